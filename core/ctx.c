/* core/ctx.c: the public API glue. Owns the context's life cycle, the
 * choice of backend, dispatching, lookups, iteration, recording and stats. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ctx.h"
#include "replay/format.h"

#ifndef RTW_VERSION
#define RTW_VERSION "0.1.0"
#endif

static const uint32_t fallback_tables[] = { RTW_TABLE_LOCAL, RTW_TABLE_MAIN, RTW_TABLE_DEFAULT };

struct rtw_ctx *rtw_new(const struct rtw_options *opt)
{
	struct rtw_options o;
	struct rtw_ctx *c;
	struct rtw_mem mem = { 0 };
	const uint32_t *tables;
	size_t n_tables = 0;
	enum rtw_linkdown_policy ld;
	uint32_t fib_table;

	memset(&o, 0, sizeof(o));
	if (opt)
		o = *opt;
	if ((o.tables && !o.n_tables) || (!o.tables && o.n_tables) || o.n_tables > 1024 ||
	    (o.flags & ~(unsigned)(RTW_OPT_DUMP_NOTICES | RTW_OPT_FIB)) ||
	    (unsigned)o.linkdown > RTW_LINKDOWN_FAIL ||
	    (o.allocator &&
	     (!o.allocator->malloc || !o.allocator->realloc || !o.allocator->free))) {
		errno = EINVAL;
		return NULL;
	}
	mem.a = o.allocator;
	c = mem_calloc(&mem, 1, sizeof(*c));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->mem = mem;
	c->ops = o.replay_path ? &rtw_backend_replay : rtw_backend_native;
	c->record_fd = c->record_due_fd = -1;
	c->flags = o.flags;
	c->rng = 0x9e3779b9u;
	if (o.replay_path) {
		size_t n = strlen(o.replay_path) + 1;

		c->replay_path = mem_alloc(&c->mem, n);
		if (!c->replay_path)
			goto nomem;
		memcpy(c->replay_path, o.replay_path, n);
	}
	c->bopt.replay_path = c->replay_path;
	c->bopt.rcvbuf = o.rcvbuf ? o.rcvbuf : 8u << 20;
	c->bopt.flags = o.flags;
	c->bopt.fib = o.fib;
	c->bopt.allocator = o.allocator;

	if (o.tables) {
		tables = o.tables;
		n_tables = o.n_tables;
	} else if (o.flags & RTW_OPT_FIB) {
		/* a socket bound to one FIB (BSD) sees that table only */
		if (o.fib < 0) {
			errno = EINVAL;
			goto fail;
		}
		fib_table = (uint32_t)o.fib;
		tables = &fib_table;
		n_tables = 1;
	} else if (c->ops->default_tables) {
		tables = c->ops->default_tables;
		while (tables[n_tables] != UINT32_MAX)
			n_tables++;
	} else {
		tables = fallback_tables;
		n_tables = 3;
	}
	ld = o.linkdown != RTW_LINKDOWN_DEFAULT ? o.linkdown : c->ops->linkdown;
	c->linkdown_set = o.linkdown != RTW_LINKDOWN_DEFAULT;
	if (model_init(&c->model, &c->mem, tables, n_tables, ld) < 0)
		goto nomem;
	c->tables_set = o.tables || (o.flags & RTW_OPT_FIB);
	c->model.on_change = engine_on_change;
	c->model.on_change_arg = c;
	return c;
nomem:
	errno = ENOMEM;
fail:
	mem_free(&c->mem, c->replay_path, c->replay_path ? strlen(c->replay_path) + 1 : 0);
	mem = c->mem;
	/* every big block went back with the model: mappings are invisible
	 * to leak checkers, so say it here */
	assert(mem.n_big == 0);
	mem_free(&mem, c, sizeof(*c));
	return NULL;
}

/* After a failure, while the backend is still open. */
static void keep_detail(struct rtw_ctx *c)
{
	if (c->ops->error_detail && c->b)
		snprintf(c->detail, sizeof(c->detail), "%s", c->ops->error_detail(c->b));
}

const char *rtw_error_detail(const struct rtw_ctx *c)
{
	return c ? c->detail : "";
}

/* The end of a stretch that calls the application back (a dump, a dispatch,
 * an enumeration): watches deleted from callbacks go now, and a context that
 * a callback freed goes too. Returns whether it did. */
static bool callbacks_end(struct rtw_ctx *c)
{
	c->in_dispatch = false;
	watch_reap(c);
	if (!c->freeing)
		return false;
	rtw_free(c);
	return true;
}

int record_event(const struct rtw_ctx *c, int fd, const struct rtw_event *ev)
{
	return replay_write_event(fd, c->record_sink, ev);
}

/* The header of a recording: the format's, with this kernel's link-down
 * policies and rules (merged local and main tables are Linux's alone). */
static int record_header(const struct rtw_ctx *c, int fd)
{
	return replay_write_header(fd, c->record_sink, model_linkdown(&c->model, AF_INET),
				   model_linkdown(&c->model, AF_INET6), c->model.merge_local_main);
}

/* The backend's dump, delivered to the engine. */
static int ctx_dump(struct rtw_ctx *c)
{
	int r;

	c->dumping = true;
	r = c->ops->dump(c->b, engine_sink, c);
	c->dumping = false;
	return r;
}

/* Whether the default route of either family moved since the last call, for
 * either half of its addresses: another route or table, another way out, or
 * usable no more or again (its link lost or got back its carrier, which no
 * route message reports). A device-only default (a VPN's, or its 0/1 and
 * 128/1) involves no gateway, yet is as much a change of where the host's
 * traffic goes. */
static bool defaults_moved(struct rtw_ctx *c)
{
	struct model_default now[4];
	unsigned i;

	for (i = 0; i < 4; i++)
		model_default_route(&c->model, i < 2 ? AF_INET : AF_INET6, i & 1, &now[i]);
	if (memcmp(now, c->dflt, sizeof(now)) == 0)
		return false;
	memcpy(c->dflt, now, sizeof(now));
	return true;
}

int rtw_start(struct rtw_ctx *c)
{
	const uint32_t *tables6;
	bool merge;
	int r;

	if (!c)
		return -EINVAL;
	/* cleared on every return, so that no detail outlives its call */
	c->detail[0] = '\0';
	if (c->started)
		return -EALREADY;
	if (c->ops->open_why)
		r = c->ops->open_why(&c->b, &c->bopt, c->detail, sizeof(c->detail));
	else
		r = c->ops->open(&c->b, &c->bopt);
	if (r < 0) {
		/* a recording asked for before ends, and says why at its stop */
		if (c->record_header_due) {
			c->record_header_due = false;
			c->record_err = r;
			c->record_fd = -1;
		}
		return r;
	}
	tables6 = c->ops->default_tables6;
	merge = c->ops->merge_local_main;
	if (c->ops->rules_of)
		c->ops->rules_of(c->b, &tables6, &merge);
	/* tables named by the application are searched one after the other,
	 * as Linux does once it has rules of its own (fib_unmerge()) */
	model_set_policy(&c->model, c->tables_set ? NULL : tables6, merge && !c->tables_set);
	/* How this kernel treats down links, unless the application said */
	if (!c->linkdown_set) {
		static const int families[] = { AF_INET, AF_INET6 };
		size_t i;

		for (i = 0; i < 2; i++) {
			enum rtw_linkdown_policy p = RTW_LINKDOWN_DEFAULT;

			if (c->ops->linkdown_of)
				p = c->ops->linkdown_of(c->b, families[i]);
			model_set_linkdown(&c->model, families[i],
					   p != RTW_LINKDOWN_DEFAULT ? p : c->ops->linkdown);
		}
	}
	/* a recording asked for before: the initial dump goes in as it comes */
	if (c->record_header_due) {
		c->record_header_due = false;
		r = record_header(c, c->record_fd);
		if (r < 0) {
			/* a broken recording must not stop monitoring */
			c->record_err = r;
			c->record_fd = -1;
		}
	}
	c->started = true;
	c->coldplug = true;
	c->in_dispatch = true;
	r = ctx_dump(c);
	if (callbacks_end(c))
		return -ECANCELED; /* rtw_free() from a notice callback of the dump */
	if (r < 0 || c->coldplug) {
		/* back to the state before the call: no backend, empty model */
		struct rtw_watch *w;

		keep_detail(c);
		/* a recording asked for before holds part of a dump now: it
		 * ends, and rtw_record(c, -1) says why */
		if (c->record_fd >= 0) {
			c->record_err = r < 0 ? r : -EPROTO;
			c->record_fd = -1;
		}
		c->ops->close(c->b);
		c->b = NULL;
		c->started = false;
		c->coldplug = false;
		c->need_resync = false;
		c->model.on_change = NULL; /* undoing a start is not news */
		model_mark_begin(&c->model);
		model_sweep(&c->model, NULL);
		c->model.on_change = engine_on_change;
		for (w = c->watches; w; w = w->next) {
			w->state = RTW_REASON_NO_ROUTE;
			w->slot = SLOT_NONE;
		}
		return r < 0 ? r : -EPROTO;
	}
	defaults_moved(c); /* where a change is measured from */
	return 0;
}

int rtw_fd(const struct rtw_ctx *c)
{
	if (!c || !c->started)
		return -EBADF;
	return c->ops->fd(c->b);
}

int rtw_dispatch(struct rtw_ctx *c)
{
	int r = 0, n = 0;

	if (!c)
		return -EINVAL;
	c->detail[0] = '\0'; /* as rtw_start() */
	if (!c->started)
		return -ENOTCONN;
	if (c->in_dispatch)
		return -EBUSY; /* called from a callback */
	c->in_dispatch = true;
	c->gw_changed = false;
	if (!c->need_resync) {
		bool later;

		r = c->ops->read(c->b, engine_sink, c);
		if (r > 0)
			n = r;
		/* after every queued notification: when the read stopped at
		 * its bound with some left, the next call asks; a resync reads
		 * it anyway */
		later = r >= 0 && c->ops->more && c->ops->more(c->b);
		if (r >= 0 && !later && c->carrier_lost && !c->need_resync &&
		    c->ops->carrier_lost && !c->freeing) {
			int k = c->ops->carrier_lost(c->b, engine_sink, c);

			if (k > 0)
				n += k;
			else if (k < 0)
				c->need_resync = true;
		}
		if (!later)
			c->carrier_lost = false;
	}
	/* A resync after an overflow: the new dump is reconciled by generation
	 * mark-and-sweep, with the same notices and invalidations as the lost
	 * events would have given. */
	if (c->need_resync && !c->freeing && (r >= 0 || r == -ENOMEM)) {
		/* one attempt per call: a dump that keeps failing (memory) is
		 * reported, and the next call tries again */
		c->need_resync = false;
		r = ctx_dump(c);
		if (r < 0)
			c->need_resync = true;
		c->carrier_lost = false; /* the dump read the settings too */
	}
	if (defaults_moved(c) || c->gw_changed)
		notice_simple(c, RTW_NOTICE_CPDCHECK);
	c->gw_changed = false;
	if (r < 0)
		keep_detail(c);
	if (callbacks_end(c))
		return -ECANCELED;
	return r < 0 ? r : n;
}

/* family is AF_INET or AF_INET6 (not v4-mapped), key its 4 or 16 bytes; oif
 * a link-local IPv6 destination's scope (0: none). */
static __attribute__((noinline)) int lookup_plan(const struct rtw_ctx *c, int family,
						 const uint8_t *key, int oif,
						 struct rtw_route *ret_route)
{
	struct lookup_res res;
	int r = model_lookup_on(&c->model, family, key, oif, &res);

	if (ret_route && res.attr != SLOT_NONE)
		model_res_fill(&c->model, family, key, &res, ret_route);
	return r;
}

/* The hops of an answer over a nexthop object, which no prepared answer
 * holds. Reached by a tail call: a call that returned into lookup() would
 * make every lookup save registers on entry. */
static __attribute__((noinline)) int lookup_hops(const struct model *m, const struct attr *at,
						 struct rtw_route *ret_route)
{
	ret_route->nexthops = model_attr_obj_hops(m, at, &ret_route->n_nexthops);
	return model_attr_verdict(at);
}

/* What lookup() returns for the answer v (of length len) of table
 * one_table, the one table that decides: a throw goes on to the next
 * tables. */
static inline int lookup_answer(const struct rtw_ctx *c, int family, const uint8_t *key, uint32_t v,
				unsigned len, uint32_t one_table, struct rtw_route *ret_route)
{
	const struct model *m = &c->model;
	const struct attr *at;

	if (v == LPM_NONE)
		return -ENETUNREACH;
	at = m->attrs[v];
	if (at->type == RTW_ROUTE_THROW)
		return lookup_plan(c, family, key, 0, ret_route);
	if (ret_route) {
		model_fill_pub(at, family, key, len, one_table, ret_route);
		if (at->nhid)
			return lookup_hops(m, at, ret_route);
	}
	return model_attr_verdict(at);
}

/* lookup() of an address the index of the one table that decides cannot
 * answer alone (under a prefix longer than /16, which is where most
 * addresses in use are): that table's walk, not the whole plan again
 * (lookup_plan() tried every table and the index twice more: a third of an
 * IPv6 lookup of a table's address). Reached by a tail call, as
 * lookup_hops(). */
static __attribute__((noinline)) int lookup_walk(const struct rtw_ctx *c, int family,
						 const struct lpm *one, uint32_t one_table,
						 const uint8_t *key, struct rtw_route *ret_route)
{
	unsigned len = 0;
	uint32_t v = lpm_lookup(one, key, &len);

	return lookup_answer(c, family, key, v, len, one_table, ret_route);
}

/* The table that decides alone for key, or NULL when the plan must be
 * followed: a plan of one table, or of two whose first covers nothing of
 * the address's first octet (a host's small local table before main,
 * merged or not). p->one_table is its table either way. */
static inline const struct lpm *lookup_one(const struct lookup_plan *p, const uint8_t *key)
{
	return p->by_octet[key[0]];
}

/* lookup() in one, the table that decides: when its index answers without
 * a walk (nearly every lookup of a big table) no call on the way, so no
 * registers to save; a walk goes to lookup_walk(). */
static inline int lookup_in(const struct rtw_ctx *c, int family, const struct lpm *one,
			    const uint8_t *key, struct rtw_route *ret_route)
{
	const struct model *m = &c->model;
	const struct lookup_plan *p = family == AF_INET ? &m->plan4 : &m->plan6;
	unsigned len = 0;
	uint32_t v;

	if (!lpm_lookup_fast(one, family == AF_INET, key, &v, &len))
		return lookup_walk(c, family, one, p->one_table, key, ret_route);
	return lookup_answer(c, family, key, v, len, p->one_table, ret_route);
}

/* lookup_one() gave no table, for a plan of two: the first (a host's local
 * table) covers the address's first octet, and mostly holds nothing for
 * the address itself (a host's own addresses are few); then the second
 * decides, on its short path, not through the plan's walk of both. Reached
 * by a tail call, as lookup_hops(). */
static __attribute__((noinline)) int lookup_beside(const struct rtw_ctx *c, int family,
						   const uint8_t *key, struct rtw_route *ret_route)
{
	const struct lookup_plan *p = family == AF_INET ? &c->model.plan4 : &c->model.plan6;
	unsigned len, s = p->sub_of[key[0]];

	/* mostly the first covers nothing of the address's second octet */
	if (p->n == 2 && ((s && !((p->sub[s - 1][key[1] >> 6] >> (key[1] & 63)) & 1)) ||
			  lpm_lookup(p->lpm[0], key, &len) == LPM_NONE))
		return lookup_in(c, family, p->lpm[1], key, ret_route);
	return lookup_plan(c, family, key, 0, ret_route);
}

static inline int lookup(const struct rtw_ctx *c, int family, const uint8_t *key,
			 struct rtw_route *ret_route)
{
	const struct model *m = &c->model;
	const struct lpm *one = lookup_one(family == AF_INET ? &m->plan4 : &m->plan6, key);

	if (!one)
		return lookup_beside(c, family, key, ret_route);
	return lookup_in(c, family, one, key, ret_route);
}

/* One function a family, reached by a tail call: IPv6's short path then
 * saves no register for IPv4's longer one. lookup4_any() is lookup4()'s
 * way out, apart so that lookup4() saves none either. */
static __attribute__((noinline)) int lookup4_any(const struct rtw_ctx *c, const uint8_t *key,
						 struct rtw_route *ret_route)
{
	return lookup(c, AF_INET, key, ret_route);
}

/* Whether a bare map (model.bare4, bare6) whose first /16 is lo calls the
 * /16 k16 (an address's first 16 bits, in the map's range) bare. */
static inline bool bare16(const uint64_t *map, unsigned lo, unsigned k16)
{
	/* lo is a multiple of 64: the word's offset folds into the load */
	return map[(size_t)(k16 / 64) - lo / 64] >> (k16 % 64) & 1;
}

/* The address a connection to 0.0.0.0 goes to (addr_as_peer()). */
static const uint8_t loopback4[4] = { 127, 0, 0, 1 };

/* lookup4()'s rare ends, apart so that it saves no register for them: a
 * throw goes on to the next table, an answer over a nexthop object takes
 * the object's hops. */
static __attribute__((noinline)) int lookup4_unprepared(const struct rtw_ctx *c, const uint8_t *key,
							const struct attr *at, uint32_t a,
							uint32_t e, struct rtw_route *ret_route)
{
	if (at->type == RTW_ROUTE_THROW)
		return lookup4_any(c, key, ret_route);
	if (!ret_route)
		return model_attr_verdict(at);
	model_fill_pub4(at, a, e & 63, c->model.plan4.one_table, ret_route);
	return lookup_hops(&c->model, at, ret_route);
}

/* IPv4's common case, an answer from the front array, in as few
 * instructions as it takes: a random stream's rate follows the count
 * closely, as the fewer a lookup has, the more of the lookups after it the
 * processor has in flight while it waits on the front array (6b66efa: 68-72
 * against 58-62 M lookups/s through lookup()). The entry's sign tells no
 * prefix and a block that needs the walk from an answer, the attributes'
 * unprepared flag a throw and a nexthop object from a plain answer: one
 * test for each pair where there were two; inline in rtw_lookup(), IPv4 tested
 * first. callgrind, random addresses on the real table: 69.7 instructions
 * a call, against 76.9 as a function of its own behind the IPv6 test; a
 * harness timing rtw_lookup() beside a fixed copy of the old path, builds
 * alternating (AMD EPYC host): 0.86-0.88 -> 0.91-0.93 of the copy's rate. A
 * throw, and anything the front array does not answer, goes to lookup() by
 * a tail call. */
static inline int lookup4_in(const struct rtw_ctx *c, const uint8_t *key,
			     struct rtw_route *ret_route)
{
	const struct model *m = &c->model;
	const struct lookup_plan *p = &m->plan4;
	const struct lpm_fast *f;
	const struct attr *at;
	uint32_t a = lpm_load_be32(key), e;

	if (a == 0) /* this host (addr_as_peer()): predicted, and off the front array's path */
		return lookup4_any(c, loopback4, ret_route);
	/* a /16 that no table meets (model.bare4, a quarter of random
	 * addresses on the real table): answered from the map, before the
	 * front array's miss, so that the branch on it resolves early;
	 * lookup_bench's IPv4 random rate rose 9% on average over 8
	 * alternating pairs (bc8c6c7, AMD EPYC host) */
	if (bare16(m->bare4, 0, a >> 16))
		return -ENETUNREACH;
	/* a host's local table (127/8, its own addresses) is beside main */
	f = lpm_fast_of(lookup_one(p, key));
	if (!f || !f->front)
		return lookup4_any(c, key, ret_route);
	e = lpm_front4_entry(f, a);
	if ((int32_t)e < 0)
		return (e & 63) == LPM_FRONT_DEEP ? lookup4_any(c, key, ret_route) : -ENETUNREACH;
	at = m->attrs[e >> 6];
	if (at->unprepared)
		return lookup4_unprepared(c, key, at, a, e, ret_route);
	if (ret_route)
		model_fill_pub4(at, a, e & 63, p->one_table, ret_route);
	return model_attr_verdict(at);
}

/* lookup4_in() for the other ways in (an rtw_addr, a v4-mapped sockaddr). */
static __attribute__((noinline)) int lookup4(const struct rtw_ctx *c, const uint8_t *key,
					     struct rtw_route *ret_route)
{
	return lookup4_in(c, key, ret_route);
}

/* IPv6 past the bare /16s (lookup6()), and the addresses outside 2000::/3:
 * lookup(), apart so that rtw_lookup() saves no register for it. A /16 that
 * model.bare6 does not call bare has something in some table of the plan,
 * so the direct index's test for an empty slot that this path had is left
 * to lpm_lookup_fast(). */
static __attribute__((noinline)) int lookup6_on(const struct rtw_ctx *c, const uint8_t *key,
						struct rtw_route *ret_route)
{
	return lookup(c, AF_INET6, key, ret_route);
}

static inline unsigned first16(const uint8_t *key)
{
	return (unsigned)key[0] << 8 | key[1];
}

/* IPv6's common case on a big table, an address of 2000::/3 in a /16 that
 * no table meets (model.bare6), is one test, inline in rtw_lookup(): no
 * call, no load but the map's word. callgrind, instructions a random
 * lookup with lookup_bench's loop: 54.4 through the direct index (ffe9721),
 * 40.5 with the map tested in a function of its own (686d323). rtw_lookup()
 * tests the range once and falls through to the map: lookup_bench's random
 * IPv6 rate went from ~295 to ~390 M/s on an AMD EPYC host. */
static inline int lookup6(const struct rtw_ctx *c, const uint8_t *key, struct rtw_route *ret_route)
{
	unsigned k16 = first16(key);

	if (__builtin_expect(k16 - BARE6_LO < BARE6_N, 1) && bare16(c->model.bare6, BARE6_LO, k16))
		return -ENETUNREACH;
	return lookup6_on(c, key, ret_route);
}

int rtw_lookup_addr(const struct rtw_ctx *c, const struct rtw_addr *dst,
		    struct rtw_route *ret_route)
{
	struct rtw_addr a;

	if (!c || !dst)
		return -EINVAL;
	if (dst->family != AF_INET && dst->family != AF_INET6)
		return -EAFNOSUPPORT;
	a = *dst;
	addr_unmap(&a); /* the same answer as rtw_lookup() gives for a v4-mapped sockaddr */
	addr_as_peer(&a);
	if (a.family == AF_INET)
		return lookup4(c, a.bytes, ret_route);
	return lookup6(c, a.bytes, ret_route);
}

/* The address is read where it lies in the sockaddr: no copy. */
int rtw_lookup(const struct rtw_ctx *c, const struct sockaddr *dst, struct rtw_route *ret_route)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t loopback6[16] = { [15] = 1 };
	const uint8_t *key;
	unsigned k16;
	int oif;

	if (!c || !dst)
		return -EINVAL;
	if (dst->sa_family == AF_INET)
		return lookup4_in(c, (const uint8_t *)&((const struct sockaddr_in *)dst)->sin_addr,
				  ret_route);
	if (dst->sa_family == AF_INET6) {
		key = (const uint8_t *)&((const struct sockaddr_in6 *)dst)->sin6_addr;
		/* model.bare6's range (2000::/3, where global unicast is: the
		 * likely case) first, with one range test: a bare /16 takes no
		 * more */
		k16 = first16(key);
		if (__builtin_expect(k16 - BARE6_LO < BARE6_N, 1))
			return lookup6(c, key, ret_route);
		/* a first byte of 0x01-0xfd: neither v4-mapped nor scoped */
		if ((uint8_t)((k16 >> 8) + 2) > 2)
			return lookup6_on(c, key, ret_route);
		if (memcmp(key, v4mapped, 12) == 0)
			return lookup4(c, key + 12, ret_route);
		if (memcmp(key, loopback6, 15) == 0 && key[15] == 0) /* addr_as_peer() */
			return lookup6(c, loopback6, ret_route);
		/* a link-local destination on the interface its scope names */
		if (k16 >= 0xfe00 && (oif = addr_scope(dst)) != 0)
			return lookup_plan(c, AF_INET6, key, oif, ret_route);
		return lookup6(c, key, ret_route);
	}
	return -EAFNOSUPPORT;
}

bool rtw_routable(const struct rtw_ctx *c, const struct sockaddr *dst)
{
	return rtw_lookup(c, dst, NULL) == 0;
}

void rtw_set_notice_cb(struct rtw_ctx *c, rtw_notice_cb *cb, void *user)
{
	if (!c)
		return;
	c->notice_cb = cb;
	c->notice_user = cb ? user : NULL;
}

/* The enumerations call back into the application as rtw_dispatch() does,
 * and get the same guard: a dispatch from a callback (which would change
 * the arrays being walked) is refused, and rtw_free() waits for the walk to
 * end, which then stops. The context is the application's own, not const:
 * the flags may be set. Returns whether this is the outermost call. */
static bool walk_enter(const struct rtw_ctx *cc)
{
	struct rtw_ctx *c = (struct rtw_ctx *)cc;
	bool outer = !c->in_dispatch;

	c->in_dispatch = true;
	return outer;
}

static int walk_leave(const struct rtw_ctx *cc, bool outer, int r)
{
	struct rtw_ctx *c = (struct rtw_ctx *)cc;

	if (!outer)
		return c->freeing ? -ECANCELED : r;
	return callbacks_end(c) ? -ECANCELED : r;
}

struct foreach_arg {
	const struct rtw_ctx *c;
	rtw_route_cb *cb;
	void *user;
};

static int foreach_one(void *arg, uint32_t slot)
{
	struct foreach_arg *a = arg;
	struct rtw_route r;
	int v;

	model_route_fill(&a->c->model, slot, &r);
	v = a->cb(&r, a->user);
	return v ? v : a->c->freeing ? -ECANCELED : 0;
}

int rtw_foreach_route(const struct rtw_ctx *c, rtw_route_cb *cb, void *user)
{
	struct foreach_arg a = { c, cb, user };
	bool outer;

	if (!c || !cb)
		return -EINVAL;
	outer = walk_enter(c);
	return walk_leave(c, outer, model_foreach_route(&c->model, foreach_one, &a));
}

/* Links and addresses are kept in the order they came, and a removal moves
 * the last one into its place: they are handed out sorted, so that the
 * order is the same before and after a resync, and that of ip(8). */
static int link_cmp(const void *x, const void *y)
{
	const struct rtw_link *a = x, *b = y;

	return (a->ifindex > b->ifindex) - (a->ifindex < b->ifindex);
}

/* by interface, then prefix_cmp(): IPv4 (AF_INET) before IPv6 */
static int address_cmp(const void *x, const void *y)
{
	const struct rtw_address *a = x, *b = y;

	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return prefix_cmp(&a->prefix, &b->prefix);
}

_Static_assert(offsetof(struct link_rec, link) == 0, "sorted_copy() takes the link first");
_Static_assert(offsetof(struct addr_rec, addr) == 0, "sorted_copy() takes the address first");

/* A sorted copy of the n records of size stride at src, each beginning with
 * the public struct of size bytes; NULL when out of memory. The caller
 * frees n * size bytes. */
static void *sorted_copy(const struct rtw_ctx *c, const void *src, size_t n, size_t stride,
			 size_t size, int (*cmp)(const void *, const void *))
{
	unsigned char *v = mem_alloc(c->model.mem, n * size);
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		memcpy(v + i * size, (const unsigned char *)src + i * stride, size);
	qsort(v, n, size, cmp);
	return v;
}

int rtw_foreach_link(const struct rtw_ctx *c, rtw_link_cb *cb, void *user)
{
	struct rtw_link *v;
	size_t i, n;
	bool outer;
	int r = 0;

	if (!c || !cb)
		return -EINVAL;
	n = c->model.n_links;
	if (!n)
		return 0;
	v = sorted_copy(c, c->model.links, n, sizeof(c->model.links[0]), sizeof(*v), link_cmp);
	if (!v)
		return -ENOMEM;
	outer = walk_enter(c);
	for (i = 0; i < n && !r && !c->freeing; i++)
		r = cb(&v[i], user);
	mem_free(c->model.mem, v, n * sizeof(*v));
	return walk_leave(c, outer, r);
}

int rtw_foreach_address(const struct rtw_ctx *c, rtw_address_cb *cb, void *user)
{
	struct rtw_address *v;
	size_t i, n;
	bool outer;
	int r = 0;

	if (!c || !cb)
		return -EINVAL;
	n = c->model.n_addrs;
	if (!n)
		return 0;
	v = sorted_copy(c, c->model.addrs, n, sizeof(c->model.addrs[0]), sizeof(*v), address_cmp);
	if (!v)
		return -ENOMEM;
	outer = walk_enter(c);
	for (i = 0; i < n && !r && !c->freeing; i++)
		r = cb(&v[i], user);
	mem_free(c->model.mem, v, n * sizeof(*v));
	return walk_leave(c, outer, r);
}

int rtw_get_link(const struct rtw_ctx *c, int ifindex, struct rtw_link *ret_link)
{
	const struct link_rec *l;

	if (!c || !ret_link)
		return -EINVAL;
	l = model_link_get(&c->model, ifindex);
	if (!l)
		return -ENOENT;
	*ret_link = l->link;
	return 0;
}

/* ---- recording ---------------------------------------------------------- */

struct snap {
	struct rtw_ctx *c;
	int fd;
	struct rtw_route prev; /* the route written last: its key */
	bool has_prev;
};

static int snap_route(void *arg, uint32_t slot)
{
	struct snap *s = arg;
	struct rtw_event ev;
	const struct rtw_route *r = &ev.u.route;

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_ROUTE_ADD;
	model_route_fill(&s->c->model, slot, &ev.u.route);
	if (ev.u.route.nhid)
		ev.u.route.n_nexthops = 0; /* the nexthop object carries them */
	/* the routes after the first under a key (ip route append, IPv6
	 * routes that are no siblings) are marked as a kernel dump's are
	 * (netlink/parse.c): without it a replay keeps the last one only */
	if (s->has_prev && s->prev.table == r->table && s->prev.tos == r->tos &&
	    s->prev.metric == r->metric && prefix_cmp(&s->prev.dst, &r->dst) == 0 &&
	    (r->dst.addr.family == AF_INET || r->n_nexthops > 0))
		ev.flags |= RTW_EVF_DUP_APPEND;
	s->prev = *r;
	s->has_prev = true;
	return record_event(s->c, s->fd, &ev);
}

static int snap_netconf_one(const struct rtw_ctx *c, int fd, int family, int ifindex, bool ignore)
{
	struct rtw_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_NETCONF;
	ev.u.netconf.family = family;
	ev.u.netconf.ifindex = ifindex;
	ev.u.netconf.ignore_linkdown = ignore;
	return record_event(c, fd, &ev);
}

/* The devices' link-down settings of the families that follow them. */
static int snap_netconf(const struct rtw_ctx *c, int fd)
{
	const struct model *m = &c->model;
	unsigned f;
	size_t i;
	int r;

	for (f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;

		if (!m->ld_follow[f])
			continue;
		if ((r = snap_netconf_one(c, fd, family, RTW_NETCONF_ALL,
					  m->linkdown[f] == RTW_LINKDOWN_FALLBACK)) < 0 ||
		    (r = snap_netconf_one(c, fd, family, RTW_NETCONF_DEFAULT, m->ld_dflt[f])) < 0)
			return r;
		for (i = 0; i < m->n_devconf; i++)
			if (m->devconf[i].known[f] &&
			    (r = snap_netconf_one(c, fd, family, m->devconf[i].ifindex,
						  m->devconf[i].ignore[f])) < 0)
				return r;
	}
	return 0;
}

/* Write the model as a dump block, so that a recording started at any time
 * replays to the same state. */
static int record_snapshot(struct rtw_ctx *c, int fd)
{
	struct snap s;
	struct rtw_event ev;
	size_t i;
	int r;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.fd = fd;

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_DUMP_BEGIN;
	if ((r = record_event(c, fd, &ev)) < 0)
		return r;
	for (i = 0; i < c->model.n_links; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.u.link = c->model.links[i].link;
		ev.type =
		    ev.u.link.admin_up && ev.u.link.carrier_up ? RTW_EV_LINK_UP : RTW_EV_LINK_DOWN;
		if ((r = record_event(c, fd, &ev)) < 0)
			return r;
	}
	r = snap_netconf(c, fd);
	if (r < 0)
		return r;
	for (i = 0; i < c->model.n_addrs; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = RTW_EV_ADDR_ADD;
		ev.u.addr = c->model.addrs[i].addr;
		if ((r = record_event(c, fd, &ev)) < 0)
			return r;
	}
	for (i = 0; i < c->model.n_nhobjs; i++) {
		const struct nhobj_rec *o = &c->model.nhobjs[i];

		memset(&ev, 0, sizeof(ev));
		ev.type = RTW_EV_NEXTHOP_ADD;
		ev.u.nhobj.id = o->id;
		ev.u.nhobj.family = o->family;
		ev.u.nhobj.blackhole = o->blackhole;
		ev.u.nhobj.hop = o->hop;
		ev.u.nhobj.n_group = o->n_group;
		ev.u.nhobj.group = o->group;
		if ((r = record_event(c, fd, &ev)) < 0)
			return r;
	}
	r = model_foreach_route(&c->model, snap_route, &s);
	if (r < 0)
		return r;
	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_DUMP_END;
	return record_event(c, fd, &ev);
}

int record_begin(struct rtw_ctx *c, int fd)
{
	int r = record_header(c, fd);

	return r < 0 ? r : record_snapshot(c, fd);
}

int rtw_record_error(const struct rtw_ctx *c)
{
	return c ? c->record_err : -EINVAL;
}

int rtw_record(struct rtw_ctx *c, int fd)
{
	int r;

	if (!c)
		return -EINVAL;
	/* inside a dump (a notice callback of it): a recording would start or
	 * end in the middle of a dump block, which no replay reads */
	if (c->dumping)
		return -EBUSY;
	/* already recording there: a second header would make the file
	 * unreadable */
	if (fd >= 0 && (fd == c->record_fd || fd == c->record_due_fd))
		return 0;
	c->record_in_block = false; /* a block of the backend's, of another recording */
	c->record_overflow_at = c->record_block_overflow_at = -1;
	c->record_header_due = false;
	r = c->record_err;
	c->record_err = 0;
	/* another fd ends the recording to the old one first, whether the
	 * new one starts or not (its pending error goes: stop with -1 first
	 * to learn it) */
	c->record_fd = c->record_due_fd = -1;
	if (fd < 0)
		return r;
	if ((!c->started || c->applying) && fcntl(fd, F_GETFL) < 0)
		return -errno;
	c->record_sink = replay_sink_of(fd);
	if (!c->started) {
		/* The header names the kernel's link-down policies, known once
		 * the backend is open: rtw_start() writes it. */
		c->record_fd = fd;
		c->record_header_due = true;
		return 0;
	}
	if (c->applying) {
		c->record_due_fd = fd; /* engine_sink(), once the event is applied */
		return 0;
	}
	r = record_begin(c, fd);
	if (r < 0)
		return r;
	c->record_fd = fd;
	return 0;
}

int rtw_get_stats(const struct rtw_ctx *c, struct rtw_stats *ret_stats)
{
	struct rtw_stats s;

	if (!c || !ret_stats)
		return -EINVAL;
	s = c->stats;
	if (c->b && c->ops->foreign_dropped)
		s.foreign_dropped = c->ops->foreign_dropped(c->b);
	s.routes = c->model.n_routes;
	s.links = c->model.n_links;
	s.addresses = c->model.n_addrs;
	s.watches = c->n_watches;
	s.memory = c->mem.bytes;
	if (c->b && c->ops->memory)
		s.memory += c->ops->memory(c->b);
	*ret_stats = s;
	return 0;
}

void rtw_free(struct rtw_ctx *c)
{
	struct rtw_mem mem;

	if (!c)
		return;
	if (c->in_dispatch) {
		/* from a callback: finish the dispatch first */
		c->freeing = true;
		return;
	}
	if (c->b)
		c->ops->close(c->b);
	watch_free_all(c);
	model_fini(&c->model);
	mem_free(&c->mem, c->replay_path, c->replay_path ? strlen(c->replay_path) + 1 : 0);
	mem = c->mem;
	/* every big block went back with the model: mappings are invisible
	 * to leak checkers, so say it here */
	assert(mem.n_big == 0);
	mem_free(&mem, c, sizeof(*c));
}

const char *rtw_backend_name(void)
{
	return rtw_backend_native->name;
}

const char *rtw_version(void)
{
	return RTW_VERSION;
}

const char *rtw_reason_str(enum rtw_reason r)
{
	switch (r) {
	case RTW_REASON_NONE:
		return "none";
	case RTW_REASON_NO_ROUTE:
		return "no-route";
	case RTW_REASON_UNREACHABLE:
		return "unreachable";
	case RTW_REASON_ROUTE_REMOVED:
		return "route-removed";
	case RTW_REASON_LINK_DOWN:
		return "link-down";
	case RTW_REASON_LOCAL_ADDRESS_REMOVED:
		return "local-address-removed";
	case RTW_REASON_PATH_CHANGED:
		return "path-changed";
	}
	return "unknown";
}

const char *rtw_route_type_str(enum rtw_route_type t)
{
	static const char *const names[] = { "unspec",	 "unicast",   "local",	   "broadcast",
					     "anycast",	 "multicast", "blackhole", "unreachable",
					     "prohibit", "throw",     "nat",	   "xresolve" };

	if ((unsigned)t < sizeof(names) / sizeof(names[0]))
		return names[t];
	return "unknown";
}
