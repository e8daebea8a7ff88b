/* The route model: routes keyed as the kernel keys them, interned route
 * attributes (type, protocol, scope, prefsrc, next hops), links, local
 * addresses, nexthop objects, and one LPM index per looked-up table. */
#ifndef RTW_TABLE_H
#define RTW_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "lpm.h"
#include "mem.h"

#define SLOT_NONE UINT32_MAX

/* One route: 36 bytes, because a full table has a million of them.
 * Everything that routes share (type, metric, next hops, ...) sits in an
 * interned attribute set that the route names by index. The LPM indexes map
 * a prefix to the attribute id of its best route: with the table and the
 * matched length that is the whole answer of a lookup, so the hot path never
 * touches this array. */
struct route_rec {
	uint8_t addr[16];
	uint8_t len;
	uint8_t family; /* 0 when the slot is free */
	uint8_t gen;	/* generation mark for resync sweeps */
	uint8_t spare;
	uint32_t table;
	uint32_t attr;
	uint32_t next;	/* next route of the same (table, prefix), ordered by tos, metric */
	uint32_t hnext; /* hash chain of (table, prefix) heads */
};

/* Interned attributes, shared by every route with the same values. */
struct attr {
	uint32_t hash;
	uint32_t refs;
	uint8_t type, protocol, scope, tos;
	uint32_t metric;
	bool usable;   /* some next hop is on an up link (or none is needed) */
	bool gateway;  /* some next hop has a gateway */
	uint32_t nhid; /* Linux nexthop object: hops come from it */
	struct rtw_addr prefsrc;
	unsigned n_nh;
	struct rtw_nexthop nh[]; /* RTW_NH_LINKDOWN kept in step with the links */
};

struct link_rec {
	struct rtw_link link;
	uint8_t gen;
};

struct addr_rec {
	struct rtw_address addr;
	uint8_t gen;
};

struct nhobj_rec {
	uint32_t id;
	int family;
	bool blackhole;
	uint8_t gen;
	struct rtw_nexthop hop;
	unsigned n_group, cap_group;
	struct rtw_nhobj_member *group;
	/* Resolved hops (the member hops for a group), refreshed on changes. */
	unsigned n_hops;
	struct rtw_nexthop *hops;
};

/* What a model operation changed, reported while the old route still
 * exists so that the engine can find the watches that used it. */
enum change_kind {
	CHANGE_ADD,	/* a new route */
	CHANGE_DEL,	/* the route in slot is about to be freed */
	CHANGE_REPLACE, /* same key, other attributes */
	CHANGE_BEST,	/* only the prefix's best route changed (links, nexthop objects) */
};

struct route_change {
	enum change_kind kind;
	uint32_t slot; /* the route concerned (for CHANGE_BEST: the new best or SLOT_NONE) */
	int family;
	uint32_t table;
	struct rtw_prefix dst;
	uint32_t old_best, new_best; /* LPM values before and after; SLOT_NONE when none */
	bool old_throw;		     /* old best was a throw route */
	bool gateway;		     /* the change involves a gateway */
};

typedef void model_change_fn(void *arg, const struct route_change *ch);

struct model {
	struct rtw_mem *mem;
	enum rtw_linkdown_policy linkdown;

	struct route_rec *routes;
	uint32_t n_slots, cap_slots, free_slot;
	size_t n_routes;

	uint32_t *buckets; /* heads of (table, prefix) chains; SLOT_NONE when empty */
	uint32_t n_buckets;
	size_t n_heads;

	struct attr **attrs; /* by id */
	uint32_t n_attrs, cap_attrs, free_attr;
	uint32_t *attr_index; /* open addressing: attr ids; SLOT_NONE when empty */
	uint32_t n_attr_index;
	size_t n_live_attrs;

	struct link_rec *links;
	size_t n_links, cap_links;
	struct addr_rec *addrs;
	size_t n_addrs, cap_addrs;
	struct nhobj_rec *nhobjs;
	size_t n_nhobjs, cap_nhobjs;

	/* Lookup order and one LPM index per (table in that order, family). */
	uint32_t *tables;
	size_t n_tables;
	uint64_t skip6;	       /* bit i: IPv6 lookups skip tables[i] */
	bool merge_local_main; /* see rtw_backend_ops */
	struct lpm **lpm4, **lpm6;

	uint8_t gen;
	model_change_fn *on_change;
	void *on_change_arg;
};

int model_init(struct model *m, struct rtw_mem *mem, const uint32_t *tables, size_t n_tables,
	       enum rtw_linkdown_policy linkdown);
/* Lookup details of the kernel (see struct rtw_backend_ops): tables6 lists
 * the tables IPv6 uses (NULL: all, terminated by UINT32_MAX). */
void model_set_policy(struct model *m, const uint32_t *tables6, bool merge_local_main);
void model_fini(struct model *m);

/* Each returns 1 when the model changed, 0 when it already was so, or -errno
 * with the model unchanged (-ENOMEM, -EINVAL). */
int model_route_add(struct model *m, const struct rtw_route *r, unsigned evflags);
int model_route_del(struct model *m, const struct rtw_route *r, unsigned evflags);
int model_link_set(struct model *m, const struct rtw_link *l);
int model_link_gone(struct model *m, int ifindex);
int model_addr_add(struct model *m, const struct rtw_address *a);
int model_addr_del(struct model *m, const struct rtw_address *a);
int model_nhobj_add(struct model *m, const struct rtw_nhobj *o);
int model_nhobj_del(struct model *m, uint32_t id);

/* Resync: begin marks a new generation; sweep removes what was not seen
 * since (routes first, through the same path as a real delete). The
 * callbacks are told what goes, so that the engine emits the same notices
 * as for real deletions. */
void model_mark_begin(struct model *m);
struct sweep_ops {
	void (*link_gone)(void *arg, const struct rtw_link *l);
	void (*addr_gone)(void *arg, const struct rtw_address *a);
	void *arg;
};
int model_sweep(struct model *m, const struct sweep_ops *ops);

/* The answer of a lookup: the deciding route is the one of table with the
 * prefix a/len whose attributes are attr (SLOT_NONE when no route decided). */
struct lookup_res {
	uint32_t attr;
	uint32_t table;
	unsigned len;
};

/* Lookup as the kernel's default policy does. Returns 0 (routable),
 * -ENETUNREACH, -EHOSTUNREACH. */
int model_lookup(const struct model *m, const struct rtw_addr *a, struct lookup_res *ret);
/* Fill a public route from a lookup result (no route record is read). */
void model_res_fill(const struct model *m, const struct rtw_addr *a, const struct lookup_res *res,
		    struct rtw_route *ret);
/* The slot of the deciding route, for indexing watches. */
uint32_t model_res_slot(const struct model *m, const struct rtw_addr *a,
			const struct lookup_res *res);

/* Fill a public route from a slot (nexthops point into the model). */
void model_route_fill(const struct model *m, uint32_t slot, struct rtw_route *ret);
/* The egress of a route: first next hop on an up link, else the first. */
const struct rtw_nexthop *model_route_egress(const struct model *m, uint32_t slot);
bool model_route_usable(const struct model *m, uint32_t slot);

const struct link_rec *model_link_get(const struct model *m, int ifindex);
bool model_link_up(const struct model *m, int ifindex);
bool model_has_local(const struct model *m, const struct rtw_addr *a);

/* Visit routes in (family, table, prefix, tos, metric) order. Needs a
 * temporary array; returns -ENOMEM if it cannot get one. */
int model_foreach_route(const struct model *m, int (*fn)(void *arg, uint32_t slot), void *arg);

/* Rebuild a public route's identity from a slot for comparisons. */
static inline const struct route_rec *model_slot(const struct model *m, uint32_t slot)
{
	return &m->routes[slot];
}

#endif
