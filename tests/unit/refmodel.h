/* For the randomized core tests: a deliberately simple reference model of
 * the routing policy (an array of routes scanned linearly), a seeded random
 * generator, and builders that turn reference routes into evq events. */
#ifndef RTW_REFMODEL_H
#define RTW_REFMODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "evq.h"

#if defined(__SANITIZE_ADDRESS__)
#define REF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REF_ASAN 1
#endif
#endif
#ifndef REF_ASAN
#define REF_ASAN 0
#endif

#define REF_HOPS       4
#define REF_MAX_LINKS  16
#define REF_MAX_ADDRS  64
#define REF_MAX_TABLES 8

/* ---- random numbers: splitmix64, seeded from RTW_TEST_SEED ---------- */

static uint64_t ref_rng;

static inline uint64_t rnd(void)
{
	uint64_t z = (ref_rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* true with probability pct/100 */
static inline bool rnd_pct(unsigned pct)
{
	return rnd_below(100) < pct;
}

/* The seed is printed so that a failure can be replayed with RTW_TEST_SEED. */
static inline uint64_t ref_seed(const char *what, uint64_t fallback)
{
	const char *s = getenv("RTW_TEST_SEED");
	uint64_t seed = s && *s ? strtoull(s, NULL, 0) : fallback;

	printf("# %s: seed %llu (set RTW_TEST_SEED to replay)\n", what, (unsigned long long)seed);
	ref_rng = seed;
	return seed;
}

/* RTW_TEST_SCALE multiplies the amount of work (default 1). */
static inline double ref_scale(void)
{
	const char *s = getenv("RTW_TEST_SCALE");
	double v = s && *s ? strtod(s, NULL) : 1.0;

	return v > 0 ? v : 1.0;
}

/* ---- the model -------------------------------------------------------- */

struct ref_route {
	struct rtw_prefix dst;
	uint32_t table;
	uint8_t tos;
	uint32_t metric;
	uint8_t type, protocol, scope;
	unsigned n_hops;
	struct rtw_nexthop hops[REF_HOPS];
};

struct ref_link {
	int ifindex;
	bool up;
};

struct ref {
	struct ref_route *routes;
	size_t n, cap;
	struct ref_link links[REF_MAX_LINKS];
	size_t n_links;
	struct rtw_address addrs[REF_MAX_ADDRS];
	size_t n_addrs;
	uint32_t tables[REF_MAX_TABLES];
	size_t n_tables;
	enum rtw_linkdown_policy linkdown;
};

static inline bool ref_type_unroutable(unsigned t)
{
	return t == RTW_ROUTE_BLACKHOLE || t == RTW_ROUTE_UNREACHABLE || t == RTW_ROUTE_PROHIBIT;
}

static inline bool ref_type_has_hops(unsigned t)
{
	return !ref_type_unroutable(t) && t != RTW_ROUTE_THROW;
}

static inline void ref_init(struct ref *m, const uint32_t *tables, size_t n_tables,
			    enum rtw_linkdown_policy linkdown)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->tables, tables, n_tables * sizeof(*tables));
	m->n_tables = n_tables;
	m->linkdown = linkdown;
}

static inline void ref_fini(struct ref *m)
{
	free(m->routes);
	memset(m, 0, sizeof(*m));
}

static inline bool ref_same_key(const struct ref_route *a, const struct ref_route *b)
{
	return a->dst.addr.family == b->dst.addr.family && a->table == b->table &&
	       a->dst.len == b->dst.len && a->tos == b->tos && a->metric == b->metric &&
	       memcmp(a->dst.addr.bytes, b->dst.addr.bytes, 16) == 0;
}

static inline struct ref_route *ref_find(struct ref *m, const struct ref_route *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (ref_same_key(&m->routes[i], key))
			return &m->routes[i];
	return NULL;
}

/* Routes of types without next hops keep none, as the kernel does. */
static inline void ref_normalize(struct ref_route *r)
{
	prefix_mask(&r->dst);
	if (!ref_type_has_hops(r->type))
		r->n_hops = 0;
	memset(&r->hops[r->n_hops], 0, (REF_HOPS - r->n_hops) * sizeof(r->hops[0]));
}

/* ADD: a route with an existing key replaces it. */
static inline void ref_route_add(struct ref *m, const struct ref_route *r)
{
	struct ref_route *old = ref_find(m, r);

	if (!old) {
		if (m->n == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 256;
			m->routes = realloc(m->routes, m->cap * sizeof(*m->routes));
			if (!m->routes)
				abort();
		}
		old = &m->routes[m->n++];
	}
	*old = *r;
	ref_normalize(old);
}

static inline bool ref_route_del(struct ref *m, const struct ref_route *key)
{
	struct ref_route *r = ref_find(m, key);

	if (!r)
		return false;
	*r = m->routes[--m->n];
	return true;
}

static inline struct ref_link *ref_link_find(struct ref *m, int ifindex)
{
	size_t i;

	for (i = 0; i < m->n_links; i++)
		if (m->links[i].ifindex == ifindex)
			return &m->links[i];
	return NULL;
}

/* A link nobody told us about counts as up; so does a hop without one. */
static inline bool ref_link_up(const struct ref *m, int ifindex)
{
	size_t i;

	if (ifindex == 0)
		return true;
	for (i = 0; i < m->n_links; i++)
		if (m->links[i].ifindex == ifindex)
			return m->links[i].up;
	return true;
}

static inline void ref_link_set(struct ref *m, int ifindex, bool up)
{
	struct ref_link *l = ref_link_find(m, ifindex);

	if (!l) {
		if (m->n_links == REF_MAX_LINKS)
			abort();
		l = &m->links[m->n_links++];
		l->ifindex = ifindex;
	}
	l->up = up;
}

/* A link going away takes the routes whose next hops all go through it. */
static inline void ref_link_gone(struct ref *m, int ifindex)
{
	struct ref_link *l = ref_link_find(m, ifindex);
	size_t i;

	if (l)
		*l = m->links[--m->n_links];
	for (i = 0; i < m->n;) {
		const struct ref_route *r = &m->routes[i];
		unsigned j, on = 0;

		for (j = 0; j < r->n_hops; j++)
			if (r->hops[j].ifindex == ifindex)
				on++;
		if (on && on == r->n_hops)
			m->routes[i] = m->routes[--m->n];
		else
			i++;
	}
}

static inline bool ref_usable(const struct ref *m, const struct ref_route *r)
{
	unsigned j;

	if (!ref_type_has_hops(r->type) || r->n_hops == 0)
		return true;
	for (j = 0; j < r->n_hops; j++)
		if (ref_link_up(m, r->hops[j].ifindex))
			return true;
	return false;
}

static inline int ref_table_rank(const struct ref *m, uint32_t table)
{
	size_t i;

	for (i = 0; i < m->n_tables; i++)
		if (m->tables[i] == table)
			return (int)i;
	return -1;
}

/* The default policy, spelled out: tables in order, the first one with a
 * matching route decides (longest prefix, then lowest metric, TOS 0 only);
 * throw passes on; with FALLBACK a route whose links are all down is as if
 * absent, with FAIL it makes the lookup fail. */
static inline int ref_lookup(const struct ref *m, const struct rtw_addr *a,
			     const struct ref_route **ret)
{
	const struct ref_route *best[REF_MAX_TABLES] = { NULL };
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct ref_route *r = &m->routes[i], *b;
		int t;

		if (r->dst.addr.family != a->family || r->tos)
			continue;
		t = ref_table_rank(m, r->table);
		if (t < 0 || !prefix_contains(&r->dst, a))
			continue;
		if (m->linkdown == RTW_LINKDOWN_FALLBACK && !ref_usable(m, r))
			continue;
		b = best[t];
		if (!b || r->dst.len > b->dst.len ||
		    (r->dst.len == b->dst.len && r->metric < b->metric))
			best[t] = r;
	}
	for (i = 0; i < m->n_tables; i++) {
		const struct ref_route *r = best[i];

		if (!r || r->type == RTW_ROUTE_THROW)
			continue;
		*ret = r;
		if (ref_type_unroutable(r->type) || !ref_usable(m, r))
			return -EHOSTUNREACH;
		return 0;
	}
	*ret = NULL;
	return -ENETUNREACH;
}

static inline bool ref_has_local(const struct ref *m, const struct rtw_addr *a)
{
	size_t i;

	for (i = 0; i < m->n_addrs; i++)
		if (addr_eq(&m->addrs[i].prefix.addr, a))
			return true;
	return false;
}

static inline int ref_addr_find(const struct ref *m, const struct rtw_address *a)
{
	size_t i;

	for (i = 0; i < m->n_addrs; i++)
		if (m->addrs[i].ifindex == a->ifindex &&
		    addr_eq(&m->addrs[i].prefix.addr, &a->prefix.addr))
			return (int)i;
	return -1;
}

static inline void ref_addr_add(struct ref *m, const struct rtw_address *a)
{
	int i = ref_addr_find(m, a);

	if (i >= 0) {
		m->addrs[i] = *a;
		return;
	}
	if (m->n_addrs == REF_MAX_ADDRS)
		abort();
	m->addrs[m->n_addrs++] = *a;
}

static inline void ref_addr_del(struct ref *m, const struct rtw_address *a)
{
	int i = ref_addr_find(m, a);

	if (i >= 0)
		m->addrs[i] = m->addrs[--m->n_addrs];
}

/* ---- comparing with the library's view -------------------------------- */

/* The order rtw_foreach_route() promises: IPv4 first, then table, prefix
 * bytes, length, TOS, metric. */
static inline int ref_route_cmp(const void *x, const void *y)
{
	const struct ref_route *a = x, *b = y;
	int c;

	if (a->dst.addr.family != b->dst.addr.family)
		return a->dst.addr.family == AF_INET ? -1 : 1;
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	c = memcmp(a->dst.addr.bytes, b->dst.addr.bytes, 16);
	if (c)
		return c;
	if (a->dst.len != b->dst.len)
		return a->dst.len < b->dst.len ? -1 : 1;
	if (a->tos != b->tos)
		return a->tos < b->tos ? -1 : 1;
	if (a->metric != b->metric)
		return a->metric < b->metric ? -1 : 1;
	return 0;
}

static inline bool ref_key_is(const struct ref_route *r, const struct rtw_route *x)
{
	return r->dst.addr.family == x->dst.addr.family && r->table == x->table &&
	       r->dst.len == x->dst.len && r->tos == x->tos && r->metric == x->metric &&
	       memcmp(r->dst.addr.bytes, x->dst.addr.bytes, 16) == 0;
}

/* Everything a user can see of a route, link-down flags included. */
static inline bool ref_route_is(const struct ref *m, const struct ref_route *r,
				const struct rtw_route *x)
{
	unsigned j, flags;

	if (!ref_key_is(r, x) || r->type != x->type || r->protocol != x->protocol ||
	    r->scope != x->scope || r->n_hops != x->n_nexthops)
		return false;
	flags = ref_type_has_hops(r->type) && !ref_usable(m, r) ? RTW_ROUTE_F_LINKDOWN : 0;
	if (x->flags != flags)
		return false;
	for (j = 0; j < r->n_hops; j++) {
		const struct rtw_nexthop *h = &r->hops[j], *g = &x->nexthops[j];
		unsigned f = ref_link_up(m, h->ifindex) ? 0 : RTW_NH_LINKDOWN;

		if (h->ifindex != g->ifindex || !addr_eq(&h->gateway, &g->gateway) ||
		    h->weight != g->weight || g->flags != f)
			return false;
	}
	return true;
}

static inline void ref_hops_str(const struct rtw_nexthop *h, unsigned n, char *buf, size_t size)
{
	size_t o = 0;
	unsigned j;

	buf[0] = '\0';
	for (j = 0; j < n && o + 80 < size; j++) {
		char g[64] = "-";

		if (h[j].gateway.family != AF_UNSPEC)
			rtw_addr_format(&h[j].gateway, g, sizeof(g));
		o += (size_t)snprintf(buf + o, size - o, " (dev %d via %s w %u f %u)", h[j].ifindex,
				      g, h[j].weight, h[j].flags);
	}
}

/* With the link-down flags the model expects. */
static inline void ref_route_str(const struct ref *m, const struct ref_route *r, char *buf,
				 size_t size)
{
	struct rtw_nexthop hops[REF_HOPS];
	char p[64], h[400];
	unsigned j;

	for (j = 0; j < r->n_hops; j++) {
		hops[j] = r->hops[j];
		hops[j].flags = ref_link_up(m, hops[j].ifindex) ? 0 : RTW_NH_LINKDOWN;
	}
	rtw_prefix_format(&r->dst, p, sizeof(p));
	ref_hops_str(hops, r->n_hops, h, sizeof(h));
	snprintf(buf, size, "%s table %u tos %u metric %u type %s hops %u%s", p, r->table, r->tos,
		 r->metric, rtw_route_type_str((enum rtw_route_type)r->type), r->n_hops, h);
}

static inline void ref_rtw_route_str(const struct rtw_route *r, char *buf, size_t size)
{
	char p[64], h[400];

	rtw_prefix_format(&r->dst, p, sizeof(p));
	ref_hops_str(r->nexthops, r->n_nexthops, h, sizeof(h));
	snprintf(buf, size, "%s table %u tos %u metric %u type %s hops %u flags %u%s", p, r->table,
		 r->tos, r->metric, rtw_route_type_str(r->type), r->n_nexthops, r->flags, h);
}

/* ---- events ------------------------------------------------------------ */

static inline struct evq_item ref_route_event(enum rtw_event_type t, const struct ref_route *r)
{
	struct evq_item it;

	memset(&it, 0, sizeof(it));
	it.ev.type = t;
	it.ev.u.route.dst = r->dst;
	it.ev.u.route.table = r->table;
	it.ev.u.route.tos = r->tos;
	it.ev.u.route.metric = r->metric;
	it.ev.u.route.type = (enum rtw_route_type)r->type;
	it.ev.u.route.protocol = r->protocol;
	it.ev.u.route.scope = r->scope;
	it.ev.u.route.n_nexthops = r->n_hops;
	memcpy(it.hops, r->hops, r->n_hops * sizeof(r->hops[0]));
	return it;
}

static inline struct evq_item ref_link_event(enum rtw_event_type t, int ifindex, bool admin,
					     bool carrier)
{
	struct evq_item it;

	memset(&it, 0, sizeof(it));
	it.ev.type = t;
	it.ev.u.link.ifindex = ifindex;
	snprintf(it.ev.u.link.name, sizeof(it.ev.u.link.name), "if%d", ifindex);
	it.ev.u.link.admin_up = admin;
	it.ev.u.link.carrier_up = carrier;
	return it;
}

static inline struct evq_item ref_simple_event(enum rtw_event_type t)
{
	struct evq_item it;

	memset(&it, 0, sizeof(it));
	it.ev.type = t;
	return it;
}

#endif
