/* For the randomized core tests: a deliberately simple reference model of
 * the routing policy (an array of routes scanned linearly), a seeded random
 * generator, and builders that turn reference routes into evq events. */
#ifndef RTW_REFMODEL_H
#define RTW_REFMODEL_H

#include <limits.h>
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

#define REF_HOPS	4
#define REF_MAX_LINKS	16
#define REF_MAX_IFINDEX 32
#define REF_MAX_ADDRS	64
#define REF_MAX_TABLES	8

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

/* ---- the model -------------------------------------------------------- */

struct ref_route {
	struct rtw_prefix dst;
	uint32_t table;
	uint8_t tos;
	uint32_t metric;
	uint8_t type, protocol, scope;
	uint8_t pref; /* RTW_ROUTE_PREF_*, IPv6 only */
	unsigned n_hops;
	struct rtw_nexthop hops[REF_HOPS];
	uint64_t seq; /* creation order: among equal routes the oldest decides */
};

/* Gives every new route its place in the creation order. */
static uint64_t ref_seq;

struct ref_link {
	int ifindex;
	bool up;    /* admin up and carrier */
	bool admin; /* admin up */
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
	/* Linux's ignore_routes_with_linkdown from the first netconf event of a
	 * family on: "all", the default, and each device's (-1: not told) */
	bool nc_follow[2], nc_all[2], nc_dflt[2];
	int8_t nc_dev[2][REF_MAX_IFINDEX];
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
	memset(m->nc_dev, -1, sizeof(m->nc_dev));
}

/* A netconf event (ifindex: a device, RTW_NETCONF_ALL or _DEFAULT). */
static inline void ref_netconf(struct ref *m, int family, int ifindex, bool v)
{
	unsigned f = family == AF_INET6;

	if (!m->nc_follow[f]) {
		m->nc_follow[f] = true;
		m->nc_all[f] = m->linkdown == RTW_LINKDOWN_FALLBACK;
	}
	if (ifindex == RTW_NETCONF_ALL)
		m->nc_all[f] = v;
	else if (ifindex == RTW_NETCONF_DEFAULT)
		m->nc_dflt[f] = v;
	else if (ifindex > 0 && ifindex < REF_MAX_IFINDEX)
		m->nc_dev[f][ifindex] = (int8_t)v;
	else
		abort();
}

static inline void ref_fini(struct ref *m)
{
	free(m->routes);
	memset(m, 0, sizeof(*m));
}

/* IPv6 keeps apart the routes that cannot be multipath siblings (only
 * gateway routes can): device routes on different interfaces (each has its
 * own fe80::/64), and a reject route beside the gateway routes. The key
 * holds the interface of a device-only route, REF_DISC_REJECT for a reject
 * route, 0 for gateway and multipath routes, and 0 for IPv4. */
#define REF_DISC_REJECT INT_MAX /* after the interfaces, as the model sorts */

static inline int ref_disc_of(int family, unsigned type, const struct rtw_nexthop *h, unsigned n)
{
	if (family != AF_INET6)
		return 0;
	if (!ref_type_has_hops(type))
		return REF_DISC_REJECT;
	if (n != 1 || h[0].gateway.family != AF_UNSPEC)
		return 0;
	return h[0].ifindex;
}

static inline int ref_disc(const struct ref_route *r)
{
	return ref_disc_of(r->dst.addr.family, r->type, r->hops, r->n_hops);
}

static inline bool ref_same_key(const struct ref_route *a, const struct ref_route *b)
{
	return a->dst.addr.family == b->dst.addr.family && a->table == b->table &&
	       a->dst.len == b->dst.len && a->tos == b->tos && a->metric == b->metric &&
	       memcmp(a->dst.addr.bytes, b->dst.addr.bytes, 16) == 0 && ref_disc(a) == ref_disc(b);
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

/* ADD: a route with an existing key replaces it and keeps its place in the
 * creation order; a new one comes after every other, unless seq carries the
 * place it had in another model. */
static inline void ref_route_put(struct ref *m, const struct ref_route *r, uint64_t carry)
{
	struct ref_route *old = ref_find(m, r);
	uint64_t seq = old ? old->seq : carry ? carry : ++ref_seq;

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
	old->seq = seq;
	ref_normalize(old);
}

static inline void ref_route_add(struct ref *m, const struct ref_route *r)
{
	ref_route_put(m, r, 0);
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

static inline void ref_link_set_state(struct ref *m, int ifindex, bool admin, bool carrier)
{
	struct ref_link *l = ref_link_find(m, ifindex);

	if (!l) {
		if (m->n_links == REF_MAX_LINKS)
			abort();
		l = &m->links[m->n_links++];
		l->ifindex = ifindex;
	}
	l->up = admin && carrier;
	l->admin = admin;
}

/* up: admin up and carrier; down: taken down */
static inline void ref_link_set(struct ref *m, int ifindex, bool up)
{
	ref_link_set_state(m, ifindex, up, up);
}

/* The flags of r's hop through ifindex, as the kernel keeps them: none on
 * an up link, RTW_NH_LINKDOWN without the carrier, and RTW_NH_DEAD too on a
 * link taken down; never any on local and anycast routes, and on routes of
 * scope host. */
static inline unsigned ref_hop_flags(const struct ref *m, const struct ref_route *r, int ifindex)
{
	size_t i;

	if (ifindex == 0 || r->type == RTW_ROUTE_LOCAL || r->type == RTW_ROUTE_ANYCAST ||
	    r->scope == 254)
		return 0;
	for (i = 0; i < m->n_links; i++)
		if (m->links[i].ifindex == ifindex && !m->links[i].up)
			return m->links[i].admin ? RTW_NH_LINKDOWN : RTW_NH_LINKDOWN | RTW_NH_DEAD;
	return 0;
}

/* A link going away takes the IPv4 routes with a next hop through it and the
 * IPv6 routes whose next hops all go through it. */
static inline void ref_link_gone(struct ref *m, int ifindex)
{
	struct ref_link *l = ref_link_find(m, ifindex);
	size_t i;

	if (l)
		*l = m->links[--m->n_links];
	if (ifindex > 0 && ifindex < REF_MAX_IFINDEX)
		m->nc_dev[0][ifindex] = m->nc_dev[1][ifindex] = -1;
	for (i = 0; i < m->n;) {
		const struct ref_route *r = &m->routes[i];
		unsigned j, on = 0;

		for (j = 0; j < r->n_hops; j++)
			if (r->hops[j].ifindex == ifindex)
				on++;
		if (on && (on == r->n_hops || r->dst.addr.family == AF_INET))
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
		if (!ref_hop_flags(m, r, r->hops[j].ifindex))
			return true;
	return false;
}

/* Whether lookups of family pass over r, whose links are all down: with the
 * policy, or once netconf is told, when every hop's device ignores such
 * routes (IPv4: "all" or the device's; IPv6: the device's; a device not
 * told of has the default). */
static inline bool ref_passes(const struct ref *m, const struct ref_route *r, int family)
{
	unsigned f = family == AF_INET6, j;

	if (!m->nc_follow[f])
		return m->linkdown == RTW_LINKDOWN_FALLBACK;
	for (j = 0; j < r->n_hops; j++) {
		int i = r->hops[j].ifindex;
		bool dev = i > 0 && i < REF_MAX_IFINDEX && m->nc_dev[f][i] >= 0
			       ? m->nc_dev[f][i] != 0
			       : m->nc_dflt[f];

		if (!((f == 0 && m->nc_all[0]) || dev))
			return false;
	}
	return true;
}

static inline int ref_table_rank(const struct ref *m, uint32_t table)
{
	size_t i;

	for (i = 0; i < m->n_tables; i++)
		if (m->tables[i] == table)
			return (int)i;
	return -1;
}

/* How Linux ranks an IPv6 router preference: high 3, medium 2, low 1. */
static inline unsigned ref_pref_rank(const struct ref_route *r)
{
	return r->pref == RTW_ROUTE_PREF_HIGH ? 3 : r->pref == RTW_ROUTE_PREF_LOW ? 1 : 2;
}

/* Whether a lookup of a may take r: its family, no TOS, a covers it, and
 * (FALLBACK) some link of it is up. */
static inline bool ref_counts(const struct ref *m, const struct ref_route *r,
			      const struct rtw_addr *a)
{
	return r->dst.addr.family == a->family && !r->tos && prefix_contains(&r->dst, a) &&
	       !(!ref_usable(m, r) && ref_passes(m, r, a->family));
}

/* The route of table that decides a lookup of a there, or NULL: the longest
 * prefix among the routes that count; of its routes, IPv4 takes the lowest
 * metric, then the oldest. IPv6 (find_rr_leaf) looks first at the routes
 * with the lowest metric of all the prefix's routes, counting or not: of
 * those that count, the highest router preference, then the oldest; when
 * none of them counts, of all the others that count the highest preference,
 * then the lowest metric, then the oldest. */
static inline const struct ref_route *ref_pick(const struct ref *m, uint32_t table,
					       const struct rtw_addr *a)
{
	const struct ref_route *best = NULL;
	uint32_t low = UINT32_MAX;
	bool low_counts = false;
	size_t i;
	int len = -1;

	for (i = 0; i < m->n; i++)
		if (m->routes[i].table == table && ref_counts(m, &m->routes[i], a) &&
		    m->routes[i].dst.len > len)
			len = m->routes[i].dst.len;
	if (len < 0)
		return NULL;
	for (i = 0; i < m->n; i++) {
		const struct ref_route *r = &m->routes[i];

		if (r->table == table && r->dst.addr.family == a->family && r->dst.len == len &&
		    prefix_contains(&r->dst, a) && r->metric < low)
			low = r->metric;
	}
	for (i = 0; i < m->n; i++) {
		const struct ref_route *r = &m->routes[i];

		if (r->table == table && r->dst.len == len && r->metric == low &&
		    ref_counts(m, r, a))
			low_counts = true;
	}
	for (i = 0; i < m->n; i++) {
		const struct ref_route *r = &m->routes[i];

		if (r->table != table || r->dst.len != len || !ref_counts(m, r, a))
			continue;
		if (a->family == AF_INET6 && low_counts && r->metric != low)
			continue;
		if (best && a->family == AF_INET6 && ref_pref_rank(r) != ref_pref_rank(best)) {
			if (ref_pref_rank(r) > ref_pref_rank(best))
				best = r;
			continue;
		}
		if (!best || r->metric < best->metric ||
		    (r->metric == best->metric && r->seq < best->seq))
			best = r;
	}
	return best;
}

/* The default policy, spelled out: tables in order, the first one with a
 * matching route decides (ref_pick()); throw passes on; with FALLBACK a
 * route whose links are all down is as if absent, with FAIL it makes the
 * lookup fail. */
static inline int ref_lookup(const struct ref *m, const struct rtw_addr *a,
			     const struct ref_route **ret)
{
	size_t i;

	for (i = 0; i < m->n_tables; i++) {
		const struct ref_route *r = ref_pick(m, m->tables[i], a);

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

/* An address of the host's: an interface's, or one that a local route of
 * the local table covers (the route deciding there), as the kernel takes a
 * source address (__ip_dev_find()). */
static inline bool ref_has_local(const struct ref *m, const struct rtw_addr *a)
{
	const struct ref_route *best;
	size_t i;

	for (i = 0; i < m->n_addrs; i++)
		if (addr_eq(&m->addrs[i].prefix.addr, a))
			return true;
	if (ref_table_rank(m, RTW_TABLE_LOCAL) < 0)
		return false;
	best = ref_pick(m, RTW_TABLE_LOCAL, a);
	return best && best->type == RTW_ROUTE_LOCAL;
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
	if (ref_disc(a) != ref_disc(b))
		return ref_disc(a) < ref_disc(b) ? -1 : 1;
	return 0;
}

static inline bool ref_key_is(const struct ref_route *r, const struct rtw_route *x)
{
	return r->dst.addr.family == x->dst.addr.family && r->table == x->table &&
	       r->dst.len == x->dst.len && r->tos == x->tos && r->metric == x->metric &&
	       memcmp(r->dst.addr.bytes, x->dst.addr.bytes, 16) == 0 &&
	       ref_disc(r) == ref_disc_of(x->dst.addr.family, x->type, x->nexthops, x->n_nexthops);
}

/* Everything a user can see of a route, link-down flags included. */
static inline bool ref_route_is(const struct ref *m, const struct ref_route *r,
				const struct rtw_route *x)
{
	unsigned j, flags;

	if (!ref_key_is(r, x) || r->type != x->type || r->protocol != x->protocol ||
	    r->scope != x->scope || r->pref != x->pref || r->n_hops != x->n_nexthops)
		return false;
	flags = ref_type_has_hops(r->type) && !ref_usable(m, r) ? RTW_ROUTE_F_LINKDOWN : 0;
	if (x->flags != flags)
		return false;
	for (j = 0; j < r->n_hops; j++) {
		const struct rtw_nexthop *h = &r->hops[j], *g = &x->nexthops[j];
		unsigned f = ref_hop_flags(m, r, h->ifindex);

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
		hops[j].flags = ref_hop_flags(m, r, hops[j].ifindex);
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

/* ---- random routes ---------------------------------------------------- */

#define N_ANCHORS 24

/* Prefixes are drawn around a few anchors so that they nest and overlap. */
struct gen {
	struct rtw_addr anchor4[N_ANCHORS], anchor6[N_ANCHORS];
	uint32_t tables[5];
	size_t n_tables;
	int max_ifindex; /* links 1..max_ifindex-1 get announced; max_ifindex never */
};

static inline void random_bytes(uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

/* Flip some of the bits of a from bit 'from' on. */
static inline void perturb(struct rtw_addr *a, unsigned from)
{
	unsigned bits = addr_bits(a->family), i;

	for (i = from; i < bits; i++)
		if (rnd_pct(50))
			a->bytes[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
}

static inline void gen_init(struct gen *g)
{
	struct rtw_addr roots4[3], roots6[3];
	unsigned i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < 3; i++) {
		roots4[i].family = AF_INET;
		memset(roots4[i].bytes, 0, 16);
		random_bytes(roots4[i].bytes, 4);
		roots6[i].family = AF_INET6;
		random_bytes(roots6[i].bytes, 16);
	}
	/* one root in 2000::/3, where a big IPv6 table's direct index is */
	roots6[0].bytes[0] = (uint8_t)(0x20 | (roots6[0].bytes[0] & 0x1f));
	for (i = 0; i < N_ANCHORS; i++) {
		static const unsigned from4[] = { 4, 8, 16, 20, 24, 28 };
		static const unsigned from6[] = { 16, 32, 48, 64, 96, 120 };

		g->anchor4[i] = roots4[i % 3];
		perturb(&g->anchor4[i], from4[rnd_below(6)]);
		g->anchor6[i] = roots6[i % 3];
		perturb(&g->anchor6[i], from6[rnd_below(6)]);
	}
	g->max_ifindex = 7;
}

static inline unsigned gen_len(int family)
{
	static const unsigned l4[] = { 0,  1,  4,  8,  8,  12, 16, 16, 20, 22,
				       24, 24, 24, 26, 28, 30, 31, 32, 32 };
	static const unsigned l6[] = { 0,  3,  16, 32,	48,  56,  60,  64, 64,
				       64, 72, 96, 112, 120, 127, 128, 128 };

	if (family == AF_INET)
		return l4[rnd_below(sizeof(l4) / sizeof(l4[0]))];
	return l6[rnd_below(sizeof(l6) / sizeof(l6[0]))];
}

static inline void gen_gateway(int family, struct rtw_addr *gw)
{
	memset(gw, 0, sizeof(*gw));
	if (rnd_pct(25))
		return; /* device-only hop */
	gw->family = (sa_family_t)family;
	if (family == AF_INET) {
		gw->bytes[0] = 192;
		gw->bytes[2] = 2;
		gw->bytes[3] = (uint8_t)(1 + rnd_below(4));
	} else {
		gw->bytes[0] = 0xfe;
		gw->bytes[1] = 0x80;
		gw->bytes[15] = (uint8_t)(1 + rnd_below(4));
	}
}

/* Attributes only: type, protocol, scope, router preference, next hops. */
static inline void gen_attrs(const struct gen *g, struct ref_route *r)
{
	static const uint8_t types[] = {
		RTW_ROUTE_UNICAST,     RTW_ROUTE_UNICAST,  RTW_ROUTE_UNICAST, RTW_ROUTE_UNICAST,
		RTW_ROUTE_UNICAST,     RTW_ROUTE_UNICAST,  RTW_ROUTE_LOCAL,   RTW_ROUTE_BLACKHOLE,
		RTW_ROUTE_UNREACHABLE, RTW_ROUTE_PROHIBIT, RTW_ROUTE_THROW,   RTW_ROUTE_THROW
	};
	int family = r->dst.addr.family;
	unsigned j;

	r->type = types[rnd_below(sizeof(types))];
	r->protocol = (uint8_t)(2 + rnd_below(3));
	r->scope = rnd_pct(20) ? 253 : 0;
	r->pref = RTW_ROUTE_PREF_MEDIUM;
	if (family == AF_INET6 && rnd_pct(40))
		r->pref = rnd_pct(50) ? RTW_ROUTE_PREF_HIGH : RTW_ROUTE_PREF_LOW;
	r->n_hops = 0;
	memset(r->hops, 0, sizeof(r->hops));
	/* next hops, sometimes even for types that have none (to be ignored) */
	if (ref_type_has_hops(r->type) || rnd_pct(10)) {
		unsigned n = rnd_pct(75) ? 1 : 2 + rnd_below(REF_HOPS - 1);

		if (rnd_pct(3))
			n = 0;
		for (j = 0; j < n; j++) {
			struct rtw_nexthop *h = &r->hops[j];

			/* ifindex 0 (none given) now and then, max_ifindex never announced */
			h->ifindex = rnd_pct(3) ? 0 : 1 + (int)rnd_below((unsigned)g->max_ifindex);
			gen_gateway(family, &h->gateway);
			h->weight = (uint16_t)(n > 1 ? 1 + rnd_below(3) : 1);
		}
		r->n_hops = n;
	}
}

static inline void gen_key(const struct gen *g, struct ref_route *r)
{
	static const uint32_t metrics[] = { 0, 0, 100, 200, 256, 1024 };
	int family = rnd_pct(55) ? AF_INET : AF_INET6;

	memset(r, 0, sizeof(*r));
	r->dst.addr =
	    family == AF_INET ? g->anchor4[rnd_below(N_ANCHORS)] : g->anchor6[rnd_below(N_ANCHORS)];
	r->dst.len = (uint8_t)gen_len(family);
	prefix_mask(&r->dst);
	r->table = g->tables[rnd_below((unsigned)g->n_tables)];
	r->metric = metrics[rnd_below(sizeof(metrics) / sizeof(metrics[0]))];
	if (family == AF_INET && rnd_pct(5))
		r->tos = (uint8_t)(4 << rnd_below(3));
}

static inline void gen_route(const struct gen *g, struct ref_route *r)
{
	gen_key(g, r);
	gen_attrs(g, r);
}

/* An address to look up: near an anchor, inside a route, or anywhere. */
static inline void gen_lookup_addr(const struct gen *g, const struct ref *m, struct rtw_addr *a)
{
	unsigned k = rnd_below(10);

	if (k < 5 && m->n) {
		const struct ref_route *r = &m->routes[rnd_below((unsigned)m->n)];

		*a = r->dst.addr;
		perturb(a, r->dst.len);
		return;
	}
	if (k < 9) {
		int family = rnd_pct(50) ? AF_INET : AF_INET6;

		*a = family == AF_INET ? g->anchor4[rnd_below(N_ANCHORS)]
				       : g->anchor6[rnd_below(N_ANCHORS)];
		perturb(a, rnd_below(addr_bits(family) + 1));
		return;
	}
	memset(a, 0, sizeof(*a));
	a->family = rnd_pct(50) ? AF_INET : AF_INET6;
	random_bytes(a->bytes, addr_len(a->family));
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
	it.ev.u.route.pref = r->pref;
	it.ev.u.route.n_nexthops = r->n_hops;
	memcpy(it.hops, r->hops, r->n_hops * sizeof(r->hops[0]));
	return it;
}

/* The route an evq route event carries. */
static inline void ref_from_event(const struct evq_item *it, struct ref_route *x)
{
	const struct rtw_route *r = &it->ev.u.route;

	memset(x, 0, sizeof(*x));
	x->dst = r->dst;
	x->table = r->table;
	x->tos = r->tos;
	x->metric = r->metric;
	x->type = (uint8_t)r->type;
	x->protocol = r->protocol;
	x->scope = r->scope;
	x->pref = r->pref;
	x->n_hops = r->n_nexthops < REF_HOPS ? r->n_nexthops : REF_HOPS;
	memcpy(x->hops, it->hops, x->n_hops * sizeof(x->hops[0]));
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

/* A new snapshot: a random part of the model, some routes changed, some
 * new, links kept or dropped. It becomes the whole truth. */
static inline size_t gen_snapshot(const struct gen *g, struct ref *m, struct evq_item *out,
				  size_t max, bool initial)
{
	struct ref next;
	size_t n = 0, i;
	unsigned keep = 75 + rnd_below(26);

	ref_init(&next, m->tables, m->n_tables, m->linkdown);
	/* the snapshot lists no settings: the model keeps what it was told */
	memcpy(next.nc_follow, m->nc_follow, sizeof(m->nc_follow));
	memcpy(next.nc_all, m->nc_all, sizeof(m->nc_all));
	memcpy(next.nc_dflt, m->nc_dflt, sizeof(m->nc_dflt));
	memcpy(next.nc_dev, m->nc_dev, sizeof(m->nc_dev));
	for (i = 0; i < m->n_links; i++) {
		bool admin, carrier;

		if (!initial && rnd_pct(8))
			continue;
		admin = rnd_pct(80);
		carrier = rnd_pct(80);
		out[n++] = ref_link_event(admin && carrier ? RTW_EV_LINK_UP : RTW_EV_LINK_DOWN,
					  m->links[i].ifindex, admin, carrier);
		ref_link_set_state(&next, m->links[i].ifindex, admin, carrier);
	}
	for (i = 0; i < m->n_addrs; i++) {
		struct evq_item it;

		if (!initial && rnd_pct(8))
			continue;
		memset(&it, 0, sizeof(it));
		it.ev.type = RTW_EV_ADDR_ADD;
		it.ev.u.addr = m->addrs[i];
		out[n++] = it;
		ref_addr_add(&next, &m->addrs[i]);
	}
	if (rnd_pct(30)) {
		int ifindex = 1 + (int)rnd_below((unsigned)g->max_ifindex - 1);

		if (!ref_link_find(&next, ifindex)) {
			out[n++] = ref_link_event(RTW_EV_LINK_UP, ifindex, true, true);
			ref_link_set(&next, ifindex, true);
		}
	}
	for (i = 0; i < m->n && n < max - 8; i++) {
		struct ref_route x = m->routes[i];
		const struct ref_route *old;

		if (!rnd_pct(keep))
			continue;
		if (rnd_pct(10))
			gen_attrs(g, &x);
		/* a route the model had keeps its place among equals; a first
		 * dump's order is the model's */
		old = initial ? NULL : ref_find(m, &x);
		out[n++] = ref_route_event(RTW_EV_ROUTE_ADD, &x);
		ref_route_put(&next, &x, old ? old->seq : 0);
	}
	for (i = rnd_below(6); i > 0; i--) {
		struct ref_route x;

		const struct ref_route *old;

		gen_route(g, &x);
		/* it may hit a key the model has: the model then keeps its
		 * place; a first dump's model is empty, and a route listed last
		 * comes after the others (it had the place of a route the dump
		 * left out: the lookups then disagreed on which of two routes
		 * of one key and metric decides) */
		old = initial ? NULL : ref_find(m, &x);
		out[n++] = ref_route_event(RTW_EV_ROUTE_ADD, &x);
		ref_route_put(&next, &x, old ? old->seq : 0);
	}
	/* what the snapshot did not mention is gone, links included, and the
	 * settings of devices it does not list */
	for (i = 0; i < m->n_links; i++)
		if (!ref_link_find(&next, m->links[i].ifindex))
			ref_link_gone(&next, m->links[i].ifindex);
	for (i = 1; i < REF_MAX_IFINDEX; i++)
		if (!ref_link_find(&next, (int)i))
			next.nc_dev[0][i] = next.nc_dev[1][i] = -1;
	ref_fini(m);
	*m = next;
	return n;
}

#endif
