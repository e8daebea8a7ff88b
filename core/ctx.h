/* The context: what rtw_ctx holds, shared by ctx.c (public API), engine.c
 * (applying events) and watch.c (the watch registry). */
#ifndef RTW_CTX_H
#define RTW_CTX_H

#include "backend.h"
#include "mem.h"
#include "replay/format.h"
#include "table.h"

/* A node of a watch index: a treap keyed by 17 bytes (family + address, or
 * a big-endian number), ties broken by the watch's address. */
struct wnode {
	struct wnode *l, *r;
	uint32_t prio;
	uint8_t key[17];
	bool linked;
};

enum windex { WI_PEER, WI_LOCAL, WI_ROUTE, WI_LINK, WI_MAX };

struct rtw_watch {
	struct wnode node[WI_MAX];
	struct rtw_ctx *ctx;
	struct rtw_addr peer, local;
	/* the interface the peer is reached on: a link-local peer's
	 * (addr_scope()), else a watched socket's bound device, else 0 */
	int scope;
	/* the interface a link-local local address must stay on (each
	 * interface has its own fe80::/64, and the same address may be on
	 * several), else 0: any */
	int local_scope;
	bool has_local;
	unsigned flags;
	rtw_watch_cb *cb;
	void *user;
	int fd;
	/* the socket's ports (network order) when watched: the same number
	 * may be another socket by the time it is shut down */
	uint16_t peer_port, local_port;

	enum rtw_reason state; /* RTW_REASON_NONE while valid */
	bool fired, deleted;
	/* the path it resolved to */
	uint32_t slot;
	int egress;
	bool multipath;
	struct rtw_addr gateway;
	struct rtw_addr prefsrc; /* the route's preferred source (AF_UNSPEC: none) */

	/* marks gathered while one event is applied */
	bool cand, cand_removed, cand_link;
	struct rtw_watch *cand_next, *fire_next;
	struct rtw_watch *prev, *next; /* all watches */
};

struct rtw_ctx {
	struct rtw_mem mem;
	const struct rtw_backend_ops *ops;
	struct rtw_backend *b;
	struct rtw_backend_options bopt;
	char *replay_path;
	char detail[160]; /* rtw_error_detail() */
	struct model model;
	unsigned flags;

	bool started, coldplug, in_dispatch, need_resync, gw_changed, freeing;
	/* the default routes at the end of the last dispatch ([0] IPv4, [1]
	 * IPv6): a change of either asks for a connectivity check */
	struct model_default dflt[4]; /* IPv4's halves, IPv6's (model_default_route()) */
	bool carrier_lost; /* a link that stayed up lost its carrier: see ops->carrier_lost */
	bool dumping;	   /* inside the backend's dump (ctx_dump()) */
	bool linkdown_set; /* the user chose a linkdown policy */
	bool tables_set;   /* the user chose the tables */
	struct wnode *root[WI_MAX];
	uint32_t rng;
	struct rtw_watch *watches; /* all live watches */
	struct rtw_watch *cands;   /* candidates of the event being applied */
	struct rtw_watch *graveyard;
	size_t n_watches;
	size_t n_scoped; /* watches with a scope: not only the best routes matter */

	rtw_notice_cb *notice_cb;
	void *notice_user;
	int record_fd;
	/* what record_fd (or record_due_fd) is: how a write keeps SIGPIPE away */
	enum replay_sink record_sink;
	bool record_header_due; /* rtw_record() before rtw_start(): see there */
	/* rtw_record() from a callback while an event is applied: the fd it
	 * starts on once the event is (-1: none), so that the snapshot holds
	 * the event's effect and the event is not written after it again */
	int record_due_fd;
	bool applying; /* engine_sink() is in apply() */
	/* the write error that ended the recording, for rtw_record(c, -1) */
	int record_err;
	/* a dump block of the backend is open in the recording, begun at
	 * record_block_at (-1: not a regular file) */
	bool record_in_block;
	long long record_block_at;
	/* where the overflow line just written began (-1: the last line was
	 * no overflow), and the one the open block followed: a recording a
	 * write failure ends inside a resync's block goes back before both */
	long long record_overflow_at, record_block_overflow_at;
	struct rtw_stats stats;
};

/* ctx.c */
/* The start of a recording on fd once the context has started: the header
 * and a snapshot of the model. Returns 0 or -errno. */
int record_begin(struct rtw_ctx *c, int fd);
/* ev as a line of the recording to fd, which rtw_record() took (its kind is
 * c->record_sink). Returns 0 or -errno. */
int record_event(const struct rtw_ctx *c, int fd, const struct rtw_event *ev);

/* watch.c */
void windex_key_addr(uint8_t key[17], const struct rtw_addr *a);
void windex_key_num(uint8_t key[17], uint32_t v);
void windex_insert(struct rtw_ctx *c, enum windex i, struct rtw_watch *w, const uint8_t key[17]);
void windex_remove(struct rtw_ctx *c, enum windex i, struct rtw_watch *w);
/* Mark every watch of index i with lo <= key <= hi as a candidate. */
void windex_mark_range(struct rtw_ctx *c, enum windex i, const uint8_t lo[17], const uint8_t hi[17],
		       bool removed, bool link);
void watch_resolve(struct rtw_ctx *c, struct rtw_watch *w);
void watch_free_all(struct rtw_ctx *c);
void watch_reap(struct rtw_ctx *c);

/* engine.c */
int engine_sink(void *arg, const struct rtw_event *ev);
void engine_on_change(void *arg, const struct route_change *ch);
void engine_evaluate(struct rtw_ctx *c, enum rtw_event_type why);

/* notice.c */
void notice_route(struct rtw_ctx *c, enum rtw_notice_type t, uint32_t slot);
/* The route in slot as it was with attributes attr (route_change.old_attr). */
void notice_route_as(struct rtw_ctx *c, enum rtw_notice_type t, uint32_t slot, uint32_t attr);
void notice_link(struct rtw_ctx *c, enum rtw_notice_type t, const struct rtw_link *l);
void notice_addr(struct rtw_ctx *c, enum rtw_notice_type t, const struct rtw_address *a);
void notice_simple(struct rtw_ctx *c, enum rtw_notice_type t);

#endif
