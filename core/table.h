/* The route model: routes keyed as the kernel keys them, interned route
 * attributes (type, protocol, scope, prefsrc, next hops), links, local
 * addresses, nexthop objects, and one LPM index per looked-up table. */
#ifndef RTW_TABLE_H
#define RTW_TABLE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
	uint8_t family;	   /* 0 when the slot is free */
	uint8_t gen;	   /* generation mark for resync sweeps */
	uint8_t tail_tags; /* of a chain head: the tags of the heads after it (table.c) */
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
	bool usable;	/* some next hop is on an up link (or none is needed) */
	bool gateway;	/* some next hop (its nexthop object's, with nhid) has a gateway */
	bool reject;	/* its nexthop object is a blackhole: it answers as one */
	bool pass[2];	/* lookups of IPv4 [0], IPv6 [1] pass over its routes (links down) */
	int8_t verdict; /* what a lookup it decides returns (model_attr_verdict) */
	uint8_t pref;	/* RTW_ROUTE_PREF_* (IPv6 only): in the padding before nhid */
	/* pub is not the whole answer: a throw passes on to the next table,
	 * an object's hops are read at lookup. One test on IPv4's common
	 * path for both (rtw_lookup()); in the padding too */
	bool unprepared;
	uint32_t nhid; /* Linux nexthop object: hops come from it */
	struct rtw_addr prefsrc;
	/* the answer a lookup copies, but for dst and table (which the
	 * attributes do not hold); kept in step with usable. With nhid set it
	 * has no hops: they are the nexthop object's, taken at lookup. */
	struct rtw_route pub;
	unsigned n_nh;
	/* where in nhobjs[] the object was at the last refresh: a hint. Last,
	 * so that the fields a lookup of a plain route reads keep the offsets
	 * they were measured with, and the struct its size. */
	uint32_t nhpos;
	/* the slots of its routes while they are few (table.c, ATTR_FEW):
	 * a link or object change refreshes a few routes without a walk of
	 * all; past that (or without memory) many is set and walks stay */
	bool many;
	uint8_t n_slots, cap_slots;
	uint32_t *slots;
	struct rtw_nexthop nh[]; /* RTW_NH_LINKDOWN kept in step with the links */
};

struct link_rec {
	struct rtw_link link;
	uint8_t gen;
};

/* Where a record with a non-zero id (ifindex, nexthop object id) sits in its
 * array: open addressing, at most half full. A router that FRR manages has
 * thousands of nexthop objects, whose routes' lookups find their object by
 * id; a container host has thousands of links. */
struct id_pos {
	uint32_t id; /* 0: empty */
	uint32_t pos;
};

struct id_index {
	struct id_pos *v;
	uint32_t cap; /* a power of two, or 0 */
};

struct addr_rec {
	struct rtw_address addr;
	uint8_t gen;
	/* the other addresses of its link, in addrs[] (SLOT_NONE ends): a
	 * watch moved to another link asks what that link's addresses reach,
	 * which a host with thousands on lo must not answer by a scan of all */
	uint32_t link_next, link_prev;
};

struct nhobj_rec {
	uint32_t id;
	int family;
	bool blackhole;
	uint8_t gen;
	uint8_t mark; /* NH_DYING, NH_TOUCHED (table.c): only within one model call */
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
	/* CHANGE_REPLACE of a route that took other attributes: the ones it
	 * had, still held during the call (model_route_fill_as()); SLOT_NONE
	 * when they were changed in place (links, nexthop objects) */
	uint32_t old_attr;
};

typedef void model_change_fn(void *arg, const struct route_change *ch);

/* First octets of a plan's second-octet maps (struct lookup_plan): a host's
 * local table touches a few (IPv4: 127, its own addresses' and their
 * broadcasts'; IPv6: ::1's, fe80::'s, ff00::'s and its addresses'). */
#define PLAN_SUBS 8

/* The /16s of struct model's bare6 map: 2000::/3, IPv6's global unicast */
#define BARE6_LO 0x2000u
#define BARE6_N	 0x2000u
/* and of its bare4 map: all of IPv4 */
#define BARE4_N 0x10000u

/* BKT_WAYS heads with their own tags, the rest in a chain (table.c): 16
 * bytes, so that a bucket never spans two cache lines. */
#define BKT_WAYS 3
struct bucket {
	uint32_t way[BKT_WAYS];
	uint32_t chain;
};

struct model {
	struct rtw_mem *mem;
	/* per family ([0] IPv4, [1] IPv6; Linux sets them apart), never
	 * RTW_LINKDOWN_DEFAULT */
	enum rtw_linkdown_policy linkdown[2];

	struct route_rec *routes;
	uint32_t n_slots, cap_slots, free_slot;
	size_t n_routes;

	/* heads of (table, prefix) chains, by key_hash (see table.c) */
	struct bucket *buckets;
	uint32_t n_buckets;
	size_t n_heads;

	struct attr **attrs; /* by id */
	uint32_t n_attrs, cap_attrs, free_attr;
	uint32_t *attr_index; /* open addressing: attr ids; SLOT_NONE when empty */
	uint32_t n_attr_index;
	size_t n_live_attrs;
	uint32_t attr_recent[2]; /* the last ids interned, tried first; may be stale */

	struct link_rec *links;
	size_t n_links, cap_links;
	struct id_index link_ix; /* ifindex -> links[] */
	struct addr_rec *addrs;
	size_t n_addrs, cap_addrs;
	struct id_index addr_ix;      /* the address's hash -> addrs[], one entry each */
	struct id_index addr_link_ix; /* ifindex + 1 -> addrs[] of the link's first address */
	struct nhobj_rec *nhobjs;
	size_t n_nhobjs, cap_nhobjs;
	struct id_index nhobj_ix; /* id -> nhobjs[] */
	/* some group may name a member not (yet) held: until then a new
	 * single object is in no group, and its add needs no look at them
	 * (FRR's thousands, in a dump) */
	bool nh_missing;

	/* Linux's ignore_routes_with_linkdown per device, once the backend
	 * reports it for a family (ld_follow); until then linkdown[] holds for
	 * every device, and after it is "all" (FALLBACK: set). Kept apart from
	 * links: the kernel tells a new device's setting before the device. */
	bool ld_follow[2], ld_dflt[2];
	struct devconf {
		int ifindex;
		bool known[2], ignore[2];
	} * devconf;
	size_t n_devconf, cap_devconf;
	struct id_index devconf_ix; /* ifindex -> devconf[] */

	/* Lookup order and one LPM index per (table in that order, family). */
	uint32_t *tables;
	size_t n_tables;
	uint64_t skip6;	       /* bit i: IPv6 lookups skip tables[i] */
	bool merge_local_main; /* see rtw_backend_ops */
	struct lpm **lpm4, **lpm6;
	/* What a lookup walks, per family: the tables in order that hold
	 * something and are not skipped, so that a lookup does not test the
	 * usually empty default table or the skipped ones one by one. merge:
	 * the first two are Linux's IPv4 local and main, searched as one.
	 * Rebuilt when a table becomes empty or not (model_plan in table.c). */
	struct lookup_plan {
		const struct lpm **lpm;
		uint32_t *table;
		unsigned n;
		bool merge;
		/* by an address's first octet, the table that decides alone:
		 * the only one, or with two the second where the first (a
		 * host's local table) covers nothing of that octet; NULL where
		 * the plan must be followed. One load on rtw_lookup()'s short
		 * path, whatever the local table holds. Kept up to date by
		 * lpm_set(). one_table is the table number of either. */
		const struct lpm *by_octet[256];
		uint32_t one_table;
		/* where by_octet[] says NULL in a plan of two (the first table,
		 * a host's local one, covers something of that first octet o),
		 * bit x of sub[sub_of[o] - 1] is set when it covers something
		 * of o.x: clear, the second decides alone (a random address
		 * sharing its first octet with one of the host's own). sub_of[o]
		 * 0: no map (more such octets than maps), the first is walked */
		uint8_t sub_of[256];
		uint8_t sub_used; /* bit i: sub[i] belongs to an octet */
		uint64_t sub[PLAN_SUBS][4];
	} plan4, plan6;

	/* bit s - BARE6_LO: no table of the IPv6 plan has a prefix meeting
	 * the /16 whose first 16 bits are s. A full table leaves 99 in 100 of
	 * 2000::/3 bare, and a random address there is answered from this
	 * 1 KiB map, which stays in the nearest cache. Kept by lpm_set(). */
	uint64_t bare6[BARE6_N / 64];
	/* bit s: no table of the IPv4 plan has a prefix meeting the /16 s.
	 * A full table without a default route leaves a quarter of random
	 * addresses in such /16s, answered from this 8 KiB map before the
	 * front array's miss; a default route clears it all. Kept by
	 * lpm_set(). */
	uint64_t bare4[BARE4_N / 64];

	uint8_t gen;
	/* an attribute refresh failed half way (memory): lookups may not
	 * follow the links until the next sweep recomputes everything */
	bool stale;
	model_change_fn *on_change;
	void *on_change_arg;
};

int model_init(struct model *m, struct rtw_mem *mem, const uint32_t *tables, size_t n_tables,
	       enum rtw_linkdown_policy linkdown);
/* Lookup details of the kernel (see struct rtw_backend_ops): tables6 lists
 * the tables IPv6 uses (NULL: all, terminated by UINT32_MAX). */
void model_set_policy(struct model *m, const uint32_t *tables6, bool merge_local_main);
/* What lookups of family do when a route's links are all down (before the
 * model holds routes: a change does not rebuild the indexes). */
void model_set_linkdown(struct model *m, int family, enum rtw_linkdown_policy p);
enum rtw_linkdown_policy model_linkdown(const struct model *m, int family);
void model_fini(struct model *m);
/* For tests: the LPMs build their direct index and front array from n
 * prefixes on (see lpm_set_top_min()), so that small tables take the
 * lookup paths of big ones. */
void model_set_index_min(struct model *m, size_t n);
/* For tests: the hash bucket (table, prefix) falls in now, so that a test
 * can make one chain long. */
uint32_t model_bucket_of(const struct model *m, int family, uint32_t table, const uint8_t *addr,
			 unsigned len);

/* Each returns 1 when the model changed, 0 when it already was so, or -errno
 * with the model unchanged (-ENOMEM, -EINVAL). */
int model_route_add(struct model *m, const struct rtw_route *r, unsigned evflags);
int model_route_del(struct model *m, const struct rtw_route *r, unsigned evflags);
int model_link_set(struct model *m, const struct rtw_link *l);
int model_link_gone(struct model *m, int ifindex);
/* Whether a prefix of an address of link ifindex holds a (a lies in a
 * network that link is on). */
bool model_link_reaches(const struct model *m, int ifindex, const struct rtw_addr *a);
/* Whether links a and b are on a common network of family (link-local ones
 * aside): an address of b lies in a prefix of one of a's. */
bool model_links_share_net(const struct model *m, int a, int b, int family);
/* -EINVAL for an ifindex below 0 */
int model_addr_add(struct model *m, const struct rtw_address *a);
int model_addr_del(struct model *m, const struct rtw_address *a);
/* Whether some route names a as its preferred source. */
bool model_prefsrc_used(const struct model *m, const struct rtw_addr *a);
/* Also 2: the object was a blackhole and is no longer, and routes over it
 * came as blackhole routes. Linux reports every route over a blackhole
 * object as a blackhole route, and with net.ipv4.nexthop_compat_mode off it
 * does not report them again when the object gets a gateway: only a new
 * dump tells those that are unicast from those of type blackhole. */
#define MODEL_NHOBJ_REDUMP 2
int model_nhobj_add(struct model *m, const struct rtw_nhobj *o);
/* A netconf setting (see struct rtw_netconf); from the first one of a
 * family on, that family's lookups follow the devices' settings. */
int model_netconf_set(struct model *m, const struct rtw_netconf *nc);
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
/* After the initial dump, before anything holds a route's slot (watches
 * resolve after it): the route records are moved so that bucket b's heads
 * sit in the free slots of its home window from 2b (table.c, HOME_SLOTS),
 * which an edit prefetches before it reads the bucket (route_prefetch()).
 * Slots are renumbered; a failed allocation leaves them as they were. */
void model_relayout(struct model *m);

/* The answer of a lookup: the deciding route is the one of table with the
 * prefix a/len whose attributes are attr (SLOT_NONE when no route decided). */
struct lookup_res {
	uint32_t attr;
	uint32_t table;
	unsigned len;
};

/* The hops of an attribute set: its own, or its nexthop object's. */
const struct rtw_nexthop *model_attr_hops(const struct model *m, const struct attr *a,
					  unsigned *ret_n);

/* model_attr_hops() for a set over a nexthop object, inline: the object is
 * where the set's hint says when the id there is the set's, else it is
 * looked for by id (the id check keeps a stale hint harmless; objects move
 * when another goes, and model_nhobj_del() repoints their sets). The search
 * by id, a call away, made model_bench --nexthop-objects 16 answer 42-44 M
 * IPv4 lookups/s against 59-60 with the hint (d2df402, alternating runs
 * against c451077). */
static inline const struct nhobj_rec *model_attr_obj_hint(const struct model *m,
							  const struct attr *a)
{
	return a->nhpos < m->n_nhobjs && m->nhobjs[a->nhpos].id == a->nhid ? &m->nhobjs[a->nhpos]
									   : NULL;
}

static inline const struct rtw_nexthop *model_attr_obj_hops(const struct model *m,
							    const struct attr *a, unsigned *ret_n)
{
	const struct nhobj_rec *o = model_attr_obj_hint(m, a);

	if (o) {
		*ret_n = o->n_hops;
		return o->hops;
	}
	return model_attr_hops(m, a, ret_n);
}

/* Lookups are what users call most, so the path from rtw_lookup() to the
 * filled answer is inline here, down to lpm_lookup(): a call less per step
 * was a third of an IPv6 lookup. */

/* What a lookup decided by a route of these attributes returns: blackhole,
 * unreachable and prohibit routes, and routes whose links are down (when
 * they decide at all), are -EHOSTUNREACH. */
static inline int model_attr_verdict(const struct attr *a)
{
	return a->verdict;
}

/* Lookup as the kernel's default policy does: the first table of the plan
 * with a match that is not a throw decides. Linux's IPv4 local and main are
 * one longest-prefix match (fib_trie merges them while no custom rules
 * exist); at equal length local wins. Returns 0 (routable), -ENETUNREACH,
 * -EHOSTUNREACH. */
static inline int model_lookup(const struct model *m, int family, const uint8_t *key,
			       struct lookup_res *ret)
{
	const struct lookup_plan *p = family == AF_INET ? &m->plan4 : &m->plan6;
	unsigned i = 0, len = 0, len2 = 0;
	uint32_t v, v2;

	if (p->merge) {
		v = lpm_lookup_inline(p->lpm[0], key, &len);
		v2 = lpm_lookup_inline(p->lpm[1], key, &len2);
		if (v2 != LPM_NONE && (v == LPM_NONE || len2 > len)) {
			v = v2;
			len = len2;
			i = 1;
		}
		/* a throw ends the merged table: on to the next rule */
		if (v != LPM_NONE && m->attrs[v]->type != RTW_ROUTE_THROW)
			goto found;
		i = 2;
	}
	for (; i < p->n; i++) {
		v = lpm_lookup_inline(p->lpm[i], key, &len);
		if (v != LPM_NONE && m->attrs[v]->type != RTW_ROUTE_THROW)
			goto found;
	}
	ret->attr = SLOT_NONE;
	ret->table = 0;
	ret->len = 0;
	return -ENETUNREACH;
found:
	ret->attr = v;
	ret->table = p->table[i];
	ret->len = len;
	return model_attr_verdict(m->attrs[v]);
}

/* The first len bits set (len <= 64), in memory order for a big-endian
 * address loaded into a native word. */
static inline uint64_t model_be64_mask(unsigned len)
{
	uint64_t m = len >= 64 ? ~UINT64_C(0) : len ? ~UINT64_C(0) << (64 - len) : 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return m;
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(m);
#else
	uint8_t b[8];
	uint64_t r;
	unsigned i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(m >> (56 - 8 * i));
	memcpy(&r, b, 8);
	return r;
#endif
}

static inline void model_fill_attr(const struct model *m, const struct attr *a,
				   struct rtw_route *ret)
{
	bool hops = a->type != RTW_ROUTE_BLACKHOLE && a->type != RTW_ROUTE_UNREACHABLE &&
		    a->type != RTW_ROUTE_PROHIBIT && a->type != RTW_ROUTE_THROW;

	ret->type = a->reject ? RTW_ROUTE_BLACKHOLE : (enum rtw_route_type)a->type;
	ret->metric = a->metric;
	ret->tos = a->tos;
	ret->protocol = a->protocol;
	ret->scope = a->scope;
	ret->pref = a->pref;
	ret->prefsrc = a->prefsrc;
	ret->nhid = a->nhid;
	if (a->nhid) {
		ret->nexthops = model_attr_obj_hops(m, a, &ret->n_nexthops);
	} else {
		ret->nexthops = a->nh;
		ret->n_nexthops = a->n_nh;
	}
	ret->flags = !a->usable && hops ? RTW_ROUTE_F_LINKDOWN : 0;
}

/* Where sa_family_t has two bytes (Linux; the BSDs have one) on a
 * little-endian machine, a lookup's answer starts with three words built
 * in registers (dst, its length, table): bytes assembled in memory and read
 * back as words would stall store forwarding. The rest is the prepared
 * answer. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MODEL_FILL_WORDS                                                                           \
	(sizeof(sa_family_t) == 2 && offsetof(struct rtw_route, dst.addr.bytes) == 2 &&            \
	 offsetof(struct rtw_route, dst.len) == 18 && offsetof(struct rtw_route, table) == 20)
#else
#define MODEL_FILL_WORDS 0
#endif

static inline void model_fill_words(const struct attr *a, uint64_t w0, uint64_t w1, uint64_t w2,
				    struct rtw_route *ret)
{
	memcpy(ret, &w0, 8);
	memcpy((char *)ret + 8, &w1, 8);
	memcpy((char *)ret + 16, &w2, 8);
	memcpy((char *)ret + 24, (const char *)&a->pub + 24, sizeof(*ret) - 24);
}

/* model_res_fill() for an attribute set without a nexthop object, from its
 * prepared answer: a lookup limited by memory latency keeps fewer misses
 * in flight for every store it makes (the stores wait in the store buffer
 * behind the load that missed), and a whole-struct copy is a few wide
 * stores where the field-by-field fill was about fifteen. */
static inline void model_fill_pub(const struct attr *a, int family, const uint8_t *key,
				  unsigned len, uint32_t table, struct rtw_route *ret)
{
	uint64_t k[2] = { 0, 0 };

	if (family == AF_INET) {
		memcpy(k, key, 4);
	} else {
		memcpy(k, key, 16);
		k[1] &= model_be64_mask(len > 64 ? len - 64 : 0);
	}
	k[0] &= model_be64_mask(len);
	if (MODEL_FILL_WORDS) {
		model_fill_words(a, (uint16_t)family | k[0] << 16, k[0] >> 48 | k[1] << 16,
				 k[1] >> 48 | (uint64_t)(uint8_t)len << 16 | (uint64_t)table << 32,
				 ret);
		return;
	}
	*ret = a->pub;
	ret->dst.addr.family = (sa_family_t)family;
	memcpy(ret->dst.addr.bytes, k, 16);
	ret->dst.len = (uint8_t)len;
	ret->table = table;
}

/* model_fill_pub() for IPv4 address a (host order): the prefix made without
 * a branch, and the words that are zero for IPv4 stored as such. */
static inline void model_fill_pub4(const struct attr *at, uint32_t a, unsigned len, uint32_t table,
				   struct rtw_route *ret)
{
	/* len 0 shifts all ones out of the low half: no undefined shift */
	uint32_t p = a & (uint32_t)(UINT64_C(0xffffffff00000000) >> len);

	if (MODEL_FILL_WORDS) {
		model_fill_words(at, AF_INET | (uint64_t)__builtin_bswap32(p) << 16, 0,
				 (uint64_t)(uint8_t)len << 16 | (uint64_t)table << 32, ret);
	} else {
		uint8_t k[4] = { (uint8_t)(p >> 24), (uint8_t)(p >> 16), (uint8_t)(p >> 8),
				 (uint8_t)p };

		model_fill_pub(at, AF_INET, k, len, table, ret);
	}
}

/* Fill a public route from a lookup result (no route record is read). key
 * holds 4 or 16 bytes, as family says. Every field is written, so no memset
 * of the whole struct. */
static inline void model_res_fill(const struct model *m, int family, const uint8_t *key,
				  const struct lookup_res *res, struct rtw_route *ret)
{
	const struct attr *a = m->attrs[res->attr];

	model_fill_pub(a, family, key, res->len, res->table, ret);
	if (a->nhid)
		ret->nexthops = model_attr_obj_hops(m, a, &ret->n_nexthops);
}
/* model_lookup() of an address reached on interface oif (a link-local
 * peer's scope, a socket's bound device), as the kernel's lookup with an
 * output interface: only routes with a next hop on oif match, the longest
 * first (rt6_device_match, strict; fib_table_lookup() passing over hops of
 * other devices), but an IPv4 reject route decides whatever its device, and
 * an IPv4 throw passes on to the next table. With no match the kernel sends
 * IPv4 on oif as if the peer were on its link: -ENETUNREACH here (no route
 * through oif). Slow: each prefix length of each table is tried. */
int model_lookup_oif(const struct model *m, int family, const uint8_t *key, int oif,
		     struct lookup_res *ret);
/* model_lookup(), or model_lookup_oif() for a peer reached on interface oif
 * (0: none). */
static inline int model_lookup_on(const struct model *m, int family, const uint8_t *key, int oif,
				  struct lookup_res *ret)
{
	return oif ? model_lookup_oif(m, family, key, oif, ret) : model_lookup(m, family, key, ret);
}
/* Whether some next hop of the route in slot goes through ifindex. */
bool model_route_uses_link(const struct model *m, uint32_t slot, int ifindex);
/* The first next hop of the route in slot through ifindex, or NULL. Owned
 * by the model, valid until it changes. */
const struct rtw_nexthop *model_route_hop_on(const struct model *m, uint32_t slot, int ifindex);
/* The slot of the deciding route, for indexing watches. */
uint32_t model_res_slot(const struct model *m, const struct rtw_addr *a,
			const struct lookup_res *res);

/* Fill a public route from a slot (nexthops point into the model). */
void model_route_fill(const struct model *m, uint32_t slot, struct rtw_route *ret);
/* The default route lookups of a family use for half h of its addresses
 * (those whose first bit is h), as far as connectivity goes: which table
 * holds it, and where its traffic leaves. Zero-filled, so that two compare
 * with memcmp(). */
struct model_default {
	uint32_t table;
	uint8_t type; /* RTW_ROUTE_*; 0 with no default route */
	bool usable;
	int ifindex;
	struct rtw_addr gateway;
};
void model_default_route(const struct model *m, int family, unsigned h, struct model_default *ret);

/* The attribute set id of the route in slot. */
static inline uint32_t model_route_attr(const struct model *m, uint32_t slot)
{
	return m->routes[slot].attr;
}
/* The route in slot as it was with attributes attr (route_change.old_attr). */
void model_route_fill_as(const struct model *m, uint32_t slot, uint32_t attr,
			 struct rtw_route *ret);
/* The egress of a route: first next hop on an up link, else the first;
 * in *ret_n how many hops it has. */
const struct rtw_nexthop *model_route_egress(const struct model *m, uint32_t slot, unsigned *ret_n);
bool model_route_usable(const struct model *m, uint32_t slot);
/* The preferred source of the route in slot (AF_UNSPEC: none). */
const struct rtw_addr *model_route_prefsrc(const struct model *m, uint32_t slot);

const struct link_rec *model_link_get(const struct model *m, int ifindex);
bool model_link_up(const struct model *m, int ifindex);
/* Whether a is a local address, of interface ifindex (< 0: of any, or
 * covered by a local route of the local table). */
bool model_has_local(const struct model *m, const struct rtw_addr *a, int ifindex);

/* Visit routes in (family, table, prefix, tos, metric) order. Needs a
 * temporary array; returns -ENOMEM if it cannot get one. */
int model_foreach_route(const struct model *m, int (*fn)(void *arg, uint32_t slot), void *arg);

/* Rebuild a public route's identity from a slot for comparisons. */
static inline const struct route_rec *model_slot(const struct model *m, uint32_t slot)
{
	return &m->routes[slot];
}

#endif
