/* core/table.c: the route model. Owns routes (keyed as the kernel keys them:
 * family, table, prefix, TOS, metric), interned attributes, links, local
 * addresses, nexthop objects and the per-table LPM indexes kept in step. */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/* ---- small helpers ---------------------------------------------------- */

static uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352dU;
	h ^= h >> 15;
	h *= 0x846ca68bU;
	h ^= h >> 16;
	return h;
}

/* Word-at-a-time multiplicative hashing: adds and deletes hash every route's
 * key and attributes, so this is on the hot path of a full-table load. */
static uint32_t hash_bytes(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t x = h;

	while (n >= 8) {
		uint64_t w;

		memcpy(&w, b, 8);
		x = (x ^ w) * 0x9e3779b97f4a7c15ULL;
		x ^= x >> 29;
		b += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;

		memcpy(&w, b, n);
		x = (x ^ w ^ ((uint64_t)n << 56)) * 0x9e3779b97f4a7c15ULL;
		x ^= x >> 29;
	}
	return (uint32_t)(x ^ (x >> 32));
}

static uint32_t key_hash(int family, uint32_t table, const uint8_t *addr, unsigned len)
{
	uint32_t h = (uint32_t)len << 24 ^ (uint32_t)family << 16 ^ table;

	return mix32(hash_bytes(h, addr, family == AF_INET ? 4 : 16));
}

static bool is_unroutable_type(uint8_t t)
{
	return t == RTW_ROUTE_BLACKHOLE || t == RTW_ROUTE_UNREACHABLE || t == RTW_ROUTE_PROHIBIT;
}

static bool type_has_hops(uint8_t t)
{
	return !is_unroutable_type(t) && t != RTW_ROUTE_THROW;
}

static int table_index(const struct model *m, uint32_t table)
{
	size_t i;

	for (i = 0; i < m->n_tables; i++)
		if (m->tables[i] == table)
			return (int)i;
	return -1;
}

static struct lpm *lpm_of(const struct model *m, int family, uint32_t table)
{
	int i = table_index(m, table);

	if (i < 0)
		return NULL;
	return family == AF_INET ? m->lpm4[i] : m->lpm6[i];
}

/* ---- links, nexthop objects ------------------------------------------- */

static uint32_t ix_find(const struct id_index *x, uint32_t id)
{
	uint32_t i;

	if (!x->cap || !id)
		return SLOT_NONE;
	for (i = mix32(id) & (x->cap - 1); x->v[i].id; i = (i + 1) & (x->cap - 1))
		if (x->v[i].id == id)
			return x->v[i].pos;
	return SLOT_NONE;
}

/* Room for n ids; -ENOMEM leaves the index as it was. */
static int ix_reserve(struct model *m, struct id_index *x, size_t n)
{
	uint32_t cap = x->cap ? x->cap : 16, i, j;
	struct id_pos *v;

	while ((size_t)cap < 2 * n)
		cap *= 2;
	if (cap == x->cap)
		return 0;
	v = mem_calloc(m->mem, cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < x->cap; i++)
		if (x->v[i].id) {
			for (j = mix32(x->v[i].id) & (cap - 1); v[j].id; j = (j + 1) & (cap - 1))
				;
			v[j] = x->v[i];
		}
	mem_free(m->mem, x->v, x->cap * sizeof(*x->v));
	x->v = v;
	x->cap = cap;
	return 0;
}

/* One more entry for id at pos, beside any it has (ix_reserve made room). */
static void ix_add(struct id_index *x, uint32_t id, uint32_t pos)
{
	uint32_t i = mix32(id) & (x->cap - 1);

	while (x->v[i].id)
		i = (i + 1) & (x->cap - 1);
	x->v[i].id = id;
	x->v[i].pos = pos;
}

/* Sets the position of id, which has room (ix_reserve). */
static void ix_set(struct id_index *x, uint32_t id, uint32_t pos)
{
	uint32_t i = mix32(id) & (x->cap - 1);

	while (x->v[i].id && x->v[i].id != id)
		i = (i + 1) & (x->cap - 1);
	x->v[i].id = id;
	x->v[i].pos = pos;
}

/* Empties entry i, moving back the entries after it that would no longer
 * be found across the hole (no tombstones: ids come and go for ever). */
static void ix_remove_at(struct id_index *x, uint32_t i)
{
	uint32_t mask = x->cap - 1, j, k;

	for (j = i;;) {
		j = (j + 1) & mask;
		if (!x->v[j].id)
			break;
		k = mix32(x->v[j].id) & mask;
		/* stays when its home k lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		x->v[i] = x->v[j];
		i = j;
	}
	x->v[i].id = 0;
}

/* The entry of id at pos (SLOT_NONE: any), or SLOT_NONE. */
static uint32_t ix_entry(const struct id_index *x, uint32_t id, uint32_t pos)
{
	uint32_t mask = x->cap - 1, i;

	if (!x->cap)
		return SLOT_NONE;
	for (i = mix32(id) & mask; x->v[i].id; i = (i + 1) & mask)
		if (x->v[i].id == id && (pos == SLOT_NONE || x->v[i].pos == pos))
			return i;
	return SLOT_NONE;
}

static void ix_del(struct id_index *x, uint32_t id)
{
	uint32_t i = ix_entry(x, id, SLOT_NONE);

	if (i != SLOT_NONE)
		ix_remove_at(x, i);
}

/* Array records are swapped out: the last one takes the place of the one at
 * pos, whose id goes. */
static void ix_moved(struct id_index *x, uint32_t gone, uint32_t moved_id, uint32_t pos)
{
	ix_del(x, gone);
	if (moved_id != gone)
		ix_set(x, moved_id, pos);
}

/* v (n elements of size used, room for *cap) with room for one more: the
 * array doubles from 8. NULL when memory is short, v and *cap unchanged. */
static void *grow_one(struct model *m, void *v, size_t n, size_t *cap, size_t size)
{
	size_t c;

	if (n < *cap)
		return v;
	c = *cap ? *cap * 2 : 8;
	v = mem_realloc(m->mem, v, *cap * size, c * size);
	if (v)
		*cap = c;
	return v;
}

/* grow_one() for an array whose records an id_index finds: room for one
 * more record and its entry, or NULL with the array as it was. */
static void *grow_one_indexed(struct model *m, struct id_index *x, void *v, size_t n, size_t *cap,
			      size_t size)
{
	if (ix_reserve(m, x, n + 1) < 0)
		return NULL;
	return grow_one(m, v, n, cap, size);
}

static struct link_rec *link_find(const struct model *m, int ifindex)
{
	uint32_t p = ifindex > 0 ? ix_find(&m->link_ix, (uint32_t)ifindex) : SLOT_NONE;

	return p == SLOT_NONE ? NULL : &m->links[p];
}

const struct link_rec *model_link_get(const struct model *m, int ifindex)
{
	return link_find(m, ifindex);
}

/* A link the model has not heard of is taken as up: the kernel only gives
 * routes through links it has, and a missing link message must not make
 * the whole table look dead. */
bool model_link_up(const struct model *m, int ifindex)
{
	const struct link_rec *l = link_find(m, ifindex);

	return !l || (l->link.admin_up && l->link.carrier_up);
}

static struct nhobj_rec *nhobj_find(const struct model *m, uint32_t id)
{
	uint32_t p = ix_find(&m->nhobj_ix, id);

	return p == SLOT_NONE ? NULL : &m->nhobjs[p];
}

static bool hops_have_gateway(const struct rtw_nexthop *h, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (h[i].gateway.family != AF_UNSPEC)
			return true;
	return false;
}

/* The object set a (with an nhid) is over: where its hint says when the id
 * there is its own (model_attr_obj_hint()), else found by id. */
static const struct nhobj_rec *attr_obj(const struct model *m, const struct attr *a)
{
	const struct nhobj_rec *o = model_attr_obj_hint(m, a);

	return o ? o : nhobj_find(m, a->nhid);
}

/* Hops of an attribute set: its own, or its nexthop object's. */
static const struct rtw_nexthop *attr_hops(const struct model *m, const struct attr *a,
					   unsigned *ret_n)
{
	if (a->nhid) {
		const struct nhobj_rec *o = attr_obj(m, a);

		*ret_n = o ? o->n_hops : 0;
		return o ? o->hops : NULL;
	}
	*ret_n = a->n_nh;
	return a->nh;
}

/* How many of the hops of a (there are *ret_n) go through ifindex. */
static unsigned attr_hops_on(const struct model *m, const struct attr *a, int ifindex,
			     unsigned *ret_n)
{
	const struct rtw_nexthop *h = attr_hops(m, a, ret_n);
	unsigned j, on = 0;

	for (j = 0; j < *ret_n; j++)
		on += h[j].ifindex == ifindex;
	return on;
}

/* The flags the kernel sets and clears on hops as their links change,
 * without a route message: both on a link taken down, RTNH_F_LINKDOWN alone
 * on one that lost its carrier (fib_sync_down_dev(), fib6_ifdown()),
 * neither once it is back (fib_sync_up(), fib6_ifup()), so they are derived
 * from the links here, whatever the last message said. keep: a route whose
 * hops the kernel never marks: IPv4's of scope host (local routes; their
 * hops have scope nowhere, which fib_sync_down_dev() passes over) and IPv6's
 * local and anycast routes (fib6_ifdown()). */
static void hops_refresh_flags(const struct model *m, struct rtw_nexthop *h, unsigned n, bool keep)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		const struct link_rec *l =
		    h[i].ifindex && !keep ? link_find(m, h[i].ifindex) : NULL;

		h[i].flags &= ~(unsigned)(RTW_NH_LINKDOWN | RTW_NH_DEAD);
		if (l && !l->link.admin_up)
			h[i].flags |= RTW_NH_LINKDOWN | RTW_NH_DEAD;
		else if (l && !l->link.carrier_up)
			h[i].flags |= RTW_NH_LINKDOWN;
	}
}

/* RT_SCOPE_HOST (the core has no OS headers) */
#define SCOPE_HOST 254

static bool attr_keeps_hops_up(const struct attr *a)
{
	return a->type == RTW_ROUTE_LOCAL || a->type == RTW_ROUTE_ANYCAST || a->scope == SCOPE_HOST;
}

/* Recompute usable for one attribute set from the current links. */
static void attr_refresh_usable(const struct model *m, struct attr *a)
{
	const struct rtw_nexthop *h;
	unsigned n, i;

	hops_refresh_flags(m, a->nh, a->n_nh, attr_keeps_hops_up(a));
	a->reject = false;
	if (!type_has_hops(a->type)) {
		a->usable = true;
		return;
	}
	if (a->nhid) {
		const struct nhobj_rec *o = nhobj_find(m, a->nhid);

		/* A route over a blackhole object decides as a blackhole route
		 * does, without falling back (fib_table_lookup); the kernel also
		 * reports it as one, but only once it sends the route again. */
		if (o && o->blackhole) {
			a->reject = true;
			a->usable = true;
			return;
		}
		if (!o) {
			a->usable = false;
			return;
		}
	}
	h = attr_hops(m, a, &n);
	if (n == 0) {
		/* local, broadcast, ... routes without an interface */
		a->usable = a->nhid == 0;
		return;
	}
	a->usable = false;
	for (i = 0; i < n; i++)
		if (!(h[i].flags & (RTW_NH_LINKDOWN | RTW_NH_DEAD)))
			a->usable = true;
}

static struct devconf *devconf_find(const struct model *m, int ifindex)
{
	uint32_t p = ifindex > 0 ? ix_find(&m->devconf_ix, (uint32_t)ifindex) : SLOT_NONE;

	return p == SLOT_NONE ? NULL : &m->devconf[p];
}

/* Whether device ifindex has lookups of family f (0 IPv4, 1 IPv6) pass
 * over routes it lost the carrier of: IPv4 ORs "all" in (IN_DEV_ORCONF),
 * IPv6 reads the device's own (ip6_ignore_linkdown). */
static bool ld_ignores(const struct model *m, unsigned f, int ifindex)
{
	const struct devconf *d = devconf_find(m, ifindex);
	bool dev = d && d->known[f] ? d->ignore[f] : m->ld_dflt[f];

	return f == 0 ? m->linkdown[0] == RTW_LINKDOWN_FALLBACK || dev : dev;
}

/* Whether lookups of family f pass over a route of a whose hops are all
 * down: the kernel skips a hop that is down on a device that ignores such
 * routes, and the route when it skips every hop. */
static bool attr_passes(const struct model *m, const struct attr *a, unsigned f)
{
	const struct rtw_nexthop *h;
	unsigned n, i;

	h = m->ld_follow[f] ? attr_hops(m, a, &n) : NULL;
	/* no device to ask: the family's policy ("all") */
	if (!h || !n)
		return m->linkdown[f] == RTW_LINKDOWN_FALLBACK;
	for (i = 0; i < n; i++)
		if (!ld_ignores(m, f, h[i].ifindex))
			return false;
	return true;
}

/* Recompute usable, and the answer lookups copy. A nexthop object's hops
 * move when it changes: the answer of a set that uses one holds none, and
 * lookups take them from the object. */
static void attr_refresh(const struct model *m, struct attr *a)
{
	const struct rtw_nexthop *h;
	unsigned n;

	attr_refresh_usable(m, a);
	/* its own hops or its object's: a default route over an object with a
	 * gateway is a default gateway, whose changes and the object's ask for
	 * a cpdcheck as a plain one's do */
	h = attr_hops(m, a, &n);
	a->gateway = hops_have_gateway(h, n);
	a->pass[0] = !a->usable && attr_passes(m, a, 0);
	a->pass[1] = !a->usable && attr_passes(m, a, 1);
	a->verdict = is_unroutable_type(a->type) || !a->usable || a->reject ? -EHOSTUNREACH : 0;
	a->nhpos = a->nhid ? ix_find(&m->nhobj_ix, a->nhid) : SLOT_NONE;
	memset(&a->pub, 0, sizeof(a->pub));
	model_fill_attr(m, a, &a->pub);
	if (a->nhid) {
		a->pub.nexthops = NULL;
		a->pub.n_nexthops = 0;
	}
}

/* ---- attributes (interned) -------------------------------------------- */

/* hop flags that make two attribute sets differ: not those derived from
 * the links (hops_refresh_flags()) */
#define NH_KEY_FLAGS (~(unsigned)(RTW_NH_LINKDOWN | RTW_NH_DEAD))

struct attr_key {
	uint8_t type, protocol, scope, tos, pref;
	uint32_t metric;
	const struct rtw_addr *prefsrc;
	uint32_t nhid;
	const struct rtw_nexthop *nh;
	unsigned n;
};

/* The fields are packed and hashed a few words at a time: hashing each on
 * its own took a dozen short calls, on every route add. */
static uint32_t attr_hash_of(const struct attr_key *k)
{
	uint8_t b[32];
	uint32_t h;
	unsigned i;

	memset(b, 0, sizeof(b));
	b[0] = k->tos;
	b[1] = k->type;
	b[2] = k->protocol;
	b[3] = k->scope;
	memcpy(b + 4, &k->metric, 4);
	memcpy(b + 8, &k->nhid, 4);
	memcpy(b + 12, &k->prefsrc->family, sizeof(k->prefsrc->family));
	b[14] = k->pref;
	memcpy(b + 16, k->prefsrc->bytes, 16);
	h = hash_bytes(2166136261U, b, 32);
	for (i = 0; i < k->n; i++) {
		const struct rtw_nexthop *nh = &k->nh[i];
		uint32_t f = nh->flags & NH_KEY_FLAGS;
		int32_t ifindex = nh->ifindex;

		memset(b, 0, sizeof(b));
		memcpy(b, &ifindex, 4);
		memcpy(b + 4, &f, 4);
		memcpy(b + 8, &nh->weight, 2);
		memcpy(b + 10, &nh->gateway.family, sizeof(nh->gateway.family));
		memcpy(b + 16, nh->gateway.bytes, 16);
		h = hash_bytes(h, b, 32);
	}
	return mix32(h);
}

/* The same path (interface and gateway): what the kernel matches a
 * deletion or an appended path by. */
static bool hop_same_path(const struct rtw_nexthop *a, const struct rtw_nexthop *b)
{
	return a->ifindex == b->ifindex && addr_eq(&a->gateway, &b->gateway);
}

/* Whether one of the n hops v is h's path. */
static bool hops_hold(const struct rtw_nexthop *v, unsigned n, const struct rtw_nexthop *h)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (hop_same_path(&v[i], h))
			return true;
	return false;
}

/* Whether one of a's own hops is h's path. */
static bool attr_holds_hop(const struct attr *a, const struct rtw_nexthop *h)
{
	return hops_hold(a->nh, a->n_nh, h);
}

static bool hop_eq(const struct rtw_nexthop *a, const struct rtw_nexthop *b)
{
	return hop_same_path(a, b) && a->weight == b->weight &&
	       (a->flags & NH_KEY_FLAGS) == (b->flags & NH_KEY_FLAGS);
}

static bool attr_matches(const struct attr *a, uint32_t hash, const struct attr_key *k)
{
	unsigned i;

	if (a->hash != hash || a->type != k->type || a->protocol != k->protocol ||
	    a->scope != k->scope || a->tos != k->tos || a->pref != k->pref ||
	    a->metric != k->metric || a->nhid != k->nhid || a->n_nh != k->n ||
	    !addr_eq(&a->prefsrc, k->prefsrc))
		return false;
	for (i = 0; i < k->n; i++)
		if (!hop_eq(&a->nh[i], &k->nh[i]))
			return false;
	return true;
}

static int attr_index_grow(struct model *m)
{
	uint32_t n = m->n_attr_index ? m->n_attr_index * 2 : 64, i;
	uint32_t *idx = mem_alloc(m->mem, (size_t)n * sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		idx[i] = SLOT_NONE;
	for (i = 0; i < m->n_attrs; i++) {
		uint32_t p;

		if (!m->attrs[i])
			continue;
		for (p = m->attrs[i]->hash & (n - 1); idx[p] != SLOT_NONE; p = (p + 1) & (n - 1))
			;
		idx[p] = i;
	}
	mem_free(m->mem, m->attr_index, (size_t)m->n_attr_index * sizeof(*idx));
	m->attr_index = idx;
	m->n_attr_index = n;
	return 0;
}

/* Remove id from the open-addressing index (backward-shift deletion). */
static void attr_index_remove(struct model *m, uint32_t id)
{
	uint32_t mask = m->n_attr_index - 1, p, q;

	for (p = m->attrs[id]->hash & mask; m->attr_index[p] != id; p = (p + 1) & mask)
		;
	m->attr_index[p] = SLOT_NONE;
	for (q = (p + 1) & mask; m->attr_index[q] != SLOT_NONE; q = (q + 1) & mask) {
		uint32_t home = m->attrs[m->attr_index[q]]->hash & mask;

		/* move q back to p if p lies on q's probe path */
		if (((q - home) & mask) >= ((q - p) & mask)) {
			m->attr_index[p] = m->attr_index[q];
			m->attr_index[q] = SLOT_NONE;
			p = q;
		}
	}
}

static bool attr_live(const struct model *m, uint32_t id);

/* Routes come in runs that share their attributes (a peer's updates, a
 * table dump, one next hop for a million routes): the last two sets
 * interned are tried first, compared field by field (their own hash
 * stands in for the key's), so that a hit hashes nothing. A stale id is
 * harmless: it is checked to be live and compared in full. */
static int64_t attr_intern_recent(struct model *m, const struct attr_key *k)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		uint32_t id = m->attr_recent[i];

		if (attr_live(m, id) && attr_matches(m->attrs[id], m->attrs[id]->hash, k)) {
			m->attrs[id]->refs++;
			m->attr_recent[i] = m->attr_recent[0];
			m->attr_recent[0] = id;
			return id;
		}
	}
	return -1;
}

static void attr_recent_push(struct model *m, uint32_t id)
{
	if (m->attr_recent[0] != id) {
		m->attr_recent[1] = m->attr_recent[0];
		m->attr_recent[0] = id;
	}
}

/* Find or create the attribute set; takes a reference. Returns the id or
 * -ENOMEM with nothing changed. */
static int64_t attr_intern(struct model *m, const struct attr_key *k)
{
	int64_t hit = attr_intern_recent(m, k);
	uint32_t hash, p, id;
	unsigned n = k->n;
	const struct rtw_nexthop *nh = k->nh;
	struct attr *a;

	if (hit >= 0)
		return hit;
	hash = attr_hash_of(k);
	if (m->n_attr_index) {
		uint32_t mask = m->n_attr_index - 1;

		for (p = hash & mask; m->attr_index[p] != SLOT_NONE; p = (p + 1) & mask) {
			a = m->attrs[m->attr_index[p]];
			if (attr_matches(a, hash, k)) {
				a->refs++;
				attr_recent_push(m, m->attr_index[p]);
				return m->attr_index[p];
			}
		}
	}
	/* Reserve everything first so that a failure changes nothing. */
	if ((m->n_live_attrs + 1) * 2 > m->n_attr_index && attr_index_grow(m) < 0)
		return -ENOMEM;
	if (m->free_attr == SLOT_NONE && m->n_attrs == m->cap_attrs) {
		uint32_t cap = m->cap_attrs ? m->cap_attrs * 2 : 16;
		struct attr **v = mem_realloc(m->mem, m->attrs, (size_t)m->cap_attrs * sizeof(*v),
					      (size_t)cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->attrs = v;
		m->cap_attrs = cap;
	}
	a = mem_alloc(m->mem, sizeof(*a) + (size_t)n * sizeof(a->nh[0]));
	if (!a)
		return -ENOMEM;
	memset(a, 0, sizeof(*a));
	a->hash = hash;
	a->refs = 1;
	a->type = k->type;
	a->protocol = k->protocol;
	a->scope = k->scope;
	a->tos = k->tos;
	a->pref = k->pref;
	a->metric = k->metric;
	a->prefsrc = *k->prefsrc;
	a->nhid = k->nhid;
	a->unprepared = a->type == RTW_ROUTE_THROW || a->nhid;
	a->n_nh = n;
	if (n)
		memcpy(a->nh, nh, (size_t)n * sizeof(*nh));
	attr_refresh(m, a);
	if (m->free_attr != SLOT_NONE) {
		id = m->free_attr;
		/* the link is stored plus one, so that SLOT_NONE survives the shift */
		m->free_attr = (uint32_t)((uintptr_t)m->attrs[id] >> 1) - 1;
	} else {
		id = m->n_attrs++;
	}
	m->attrs[id] = a;
	{
		uint32_t mask = m->n_attr_index - 1;

		for (p = hash & mask; m->attr_index[p] != SLOT_NONE; p = (p + 1) & mask)
			;
		m->attr_index[p] = id;
	}
	m->n_live_attrs++;
	attr_recent_push(m, id);
	return id;
}

static void attr_free(struct model *m, struct attr *a)
{
	mem_free(m->mem, a->slots, a->cap_slots * sizeof(*a->slots));
	mem_free(m->mem, a, sizeof(*a) + (size_t)a->n_nh * sizeof(a->nh[0]));
}

static void attr_release(struct model *m, uint32_t id)
{
	struct attr *a = m->attrs[id];

	if (--a->refs)
		return;
	attr_index_remove(m, id);
	attr_free(m, a);
	/* free list threaded through the pointer array (odd values are links) */
	m->attrs[id] = (struct attr *)(((uintptr_t)(uint32_t)(m->free_attr + 1) << 1) | 1);
	m->free_attr = id;
	m->n_live_attrs--;
}

static bool attr_live(const struct model *m, uint32_t id)
{
	return id < m->n_attrs && !((uintptr_t)m->attrs[id] & 1);
}

/* Routes an attribute set lists by slot (attr.slots): a few, for a link or
 * a nexthop object that few routes use among a full table's (a VPN's, a
 * container's), whose change costs a walk of a million routes otherwise. */
#define ATTR_FEW 64

/* Room in set id's list for one more route: -ENOMEM changes nothing. Past
 * ATTR_FEW routes the set has no list (many), and the walks stay. */
static int attr_list_reserve(struct model *m, uint32_t id)
{
	struct attr *a = m->attrs[id];
	unsigned cap = a->cap_slots ? a->cap_slots * 2u : 4u;
	uint32_t *v;

	if (a->many || a->n_slots < a->cap_slots)
		return 0;
	if (cap > ATTR_FEW) {
		mem_free(m->mem, a->slots, a->cap_slots * sizeof(*v));
		a->slots = NULL;
		a->n_slots = a->cap_slots = 0;
		a->many = true;
		return 0;
	}
	v = mem_realloc(m->mem, a->slots, a->cap_slots * sizeof(*v), cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	a->slots = v;
	a->cap_slots = (uint8_t)cap;
	return 0;
}

/* After attr_list_reserve(). */
static void attr_list_route(struct model *m, uint32_t id, uint32_t slot)
{
	struct attr *a = m->attrs[id];

	if (!a->many)
		a->slots[a->n_slots++] = slot;
}

static void attr_unlist_route(struct model *m, uint32_t id, uint32_t slot)
{
	struct attr *a = m->attrs[id];
	unsigned i;

	if (a->many)
		return;
	for (i = 0; i < a->n_slots; i++)
		if (a->slots[i] == slot) {
			a->slots[i] = a->slots[--a->n_slots];
			return;
		}
}

static int64_t attr_intern_route(struct model *m, const struct rtw_route *r)
{
	unsigned n = type_has_hops((uint8_t)r->type) ? r->n_nexthops : 0;

	struct attr_key k;

	if (r->nhid)
		n = 0; /* the nexthop object owns the hops */
	k.type = (uint8_t)r->type;
	k.protocol = r->protocol;
	k.scope = r->scope;
	k.tos = r->tos;
	k.pref = r->pref;
	k.metric = r->metric;
	k.prefsrc = &r->prefsrc;
	k.nhid = r->nhid;
	k.nh = r->nexthops;
	k.n = n;
	return attr_intern(m, &k);
}

/* ---- prefix heads (hash of chains) ------------------------------------ */

static bool rec_same_prefix(const struct route_rec *r, int family, uint32_t table,
			    const uint8_t *addr, unsigned len)
{
	uint64_t x[2], y[2];

	if (r->len != len || r->family != family || r->table != table)
		return false;
	/* fixed-size copies compile to plain loads; memcmp with a variable
	 * length is a call on the hottest path of a table load */
	if (family == AF_INET) {
		uint32_t a, b;

		memcpy(&a, r->addr, 4);
		memcpy(&b, addr, 4);
		return a == b;
	}
	memcpy(x, r->addr, 16);
	memcpy(y, addr, 16);
	return x[0] == y[0] && x[1] == y[1];
}

/* A bucket holds up to BKT_WAYS heads in ways of their own, each with a
 * tag of six hash bits, and the rest in a chain through the records'
 * hnext. A way's word is its slot in the low BKT_SLOT_BITS bits (all set:
 * an empty way) and its tag above; a lookup reads the record of a way
 * whose tag is the key's, nearly always the key's own: one record after
 * the bucket, where a chain of all a bucket's heads read 1 + load / 2,
 * 1.5 at a full table's load of one head a bucket (each a cache miss an
 * edit waited on; deletes from the full table took ~65 ns less a median
 * with four times the buckets, which this gets within twice the memory;
 * at 2^19 buckets a hit reads 1.07). The chain's word
 * holds its first slot and a summary of its keys: bit BKT_SLOT_BITS + t
 * is set when some key in it has tag t. A key whose tags are not set is
 * not in the bucket, and nothing of it is read: an add of a new prefix
 * (nearly every add) then waits on the bucket alone. Tags come from hash
 * bits the bucket number does not use (up to 2^24 buckets). The summary
 * stays exact as heads leave, so that a prefix deleted and added again (a
 * flap) is not read for: each chained head keeps the tags of the heads
 * after it (tail_tags), and a removal recomputes the summary from the
 * heads before it, which it has just walked. */
#define BKT_SLOT_BITS 26
#define BKT_SLOT_MASK ((UINT32_C(1) << BKT_SLOT_BITS) - 1) /* also: no slot */
#define BKT_TAGS      6
/* heads a bucket may hold on average before the buckets double */
#define BKT_LOAD 3

static inline uint32_t bkt_first(uint32_t w)
{
	w &= BKT_SLOT_MASK;
	return w == BKT_SLOT_MASK ? SLOT_NONE : w;
}

/* The chain summary's tag bit of a key_hash, as tail_tags holds it (below
 * bit BKT_TAGS). */
static inline unsigned bkt_tag(uint32_t hash)
{
	return 1u << (((hash >> 24) * BKT_TAGS) >> 8);
}

static inline uint32_t bkt_word(uint32_t first, unsigned tags)
{
	return first == SLOT_NONE ? BKT_SLOT_MASK : (uint32_t)tags << BKT_SLOT_BITS | first;
}

static inline unsigned bkt_tags(uint32_t w)
{
	return w >> BKT_SLOT_BITS;
}

/* A way's word for slot, whose key_hash is h. */
static inline uint32_t way_word(uint32_t slot, uint32_t h)
{
	return (h >> BKT_SLOT_BITS) << BKT_SLOT_BITS | slot;
}

/* The slot in way word w when its tag is that of key_hash h, else
 * SLOT_NONE (an empty way too). */
static inline uint32_t way_match(uint32_t w, uint32_t h)
{
	return (w ^ h) >> BKT_SLOT_BITS ? SLOT_NONE : bkt_first(w);
}

static inline struct bucket *bucket_of(const struct model *m, uint32_t h)
{
	return &m->buckets[h & (m->n_buckets - 1)];
}

static inline void bucket_clear(struct bucket *b)
{
	unsigned i;

	for (i = 0; i < BKT_WAYS; i++)
		b->way[i] = BKT_SLOT_MASK;
	b->chain = BKT_SLOT_MASK;
}

/* The first slot of bucket b's chain when its summary allows the key of
 * key_hash h, else SLOT_NONE. */
static inline uint32_t chain_lookup(const struct bucket *b, uint32_t h)
{
	return bkt_tags(b->chain) & bkt_tag(h) ? bkt_first(b->chain) : SLOT_NONE;
}

/* A record may span two lines. */
static inline void rec_prefetch(const struct model *m, uint32_t s)
{
	RTW_PREFETCH(&m->routes[s]);
	RTW_PREFETCH((const char *)&m->routes[s] + sizeof(struct route_rec) - 1);
}

/* A bucket b's heads are laid out in the slots 2b to 2b + HOME_SLOTS - 1
 * that no bucket before it took (model_relayout()): on the real table 86%
 * of heads get one, against 72.5% with two slots a bucket (a model of the
 * placement, 2^19 buckets for 1.06M heads). */
#define HOME_SLOTS 4

/* The home window of the bucket of key_hash h (model_relayout()), loaded
 * with the bucket rather than after it: a route laid out there has its
 * record in flight one miss sooner (an edit otherwise waits on the
 * bucket's miss, then on the record's). Only the initial dump is laid out:
 * a route added later takes a free slot, and once the buckets double their
 * homes are elsewhere; the lines loaded then are a waste, not an error. */
static inline void home_prefetch(const struct model *m, uint32_t h)
{
	uint32_t s = 2 * (h & (m->n_buckets - 1));

	if (s + HOME_SLOTS <= m->n_slots) {
		const char *p = (const char *)&m->routes[s];
		size_t o;

		for (o = 0; o < HOME_SLOTS * sizeof(struct route_rec); o += 64)
			RTW_PREFETCH(p + o);
		RTW_PREFETCH(p + HOME_SLOTS * sizeof(struct route_rec) - 1);
	}
}

/* Starts the loads of the records that may hold the key of key_hash h in
 * bucket b: its tag's way (or ways) and the chain's first. */
static inline void bucket_prefetch(const struct model *m, const struct bucket *b, uint32_t h)
{
	uint32_t s;
	unsigned i;

	for (i = 0; i < BKT_WAYS; i++)
		if ((s = way_match(b->way[i], h)) != SLOT_NONE)
			rec_prefetch(m, s);
	if ((s = chain_lookup(b, h)) != SLOT_NONE)
		rec_prefetch(m, s);
}

/* The head of the key (key_hash h), or SLOT_NONE. */
static uint32_t head_find_hashed(const struct model *m, uint32_t h, int family, uint32_t table,
				 const uint8_t *addr, unsigned len)
{
	const struct bucket *b;
	uint32_t s;
	unsigned i;

	if (!m->n_buckets)
		return SLOT_NONE;
	b = bucket_of(m, h);
	for (i = 0; i < BKT_WAYS; i++) {
		s = way_match(b->way[i], h);
		if (s != SLOT_NONE && rec_same_prefix(&m->routes[s], family, table, addr, len))
			return s;
	}
	for (s = chain_lookup(b, h); s != SLOT_NONE; s = m->routes[s].hnext)
		if (rec_same_prefix(&m->routes[s], family, table, addr, len))
			return s;
	return SLOT_NONE;
}

static uint32_t head_find(const struct model *m, int family, uint32_t table, const uint8_t *addr,
			  unsigned len)
{
	return head_find_hashed(m, key_hash(family, table, addr, len), family, table, addr, len);
}

static uint32_t rec_hash(const struct route_rec *r)
{
	return key_hash(r->family, r->table, r->addr, r->len);
}

/* Puts slot first in chain word *c, slot's key_hash being h. */
static void head_push(struct model *m, uint32_t *c, uint32_t slot, uint32_t h)
{
	m->routes[slot].hnext = bkt_first(*c);
	m->routes[slot].tail_tags = (uint8_t)bkt_tags(*c);
	*c = bkt_word(slot, bkt_tags(*c) | bkt_tag(h));
}

/* Links slot, whose key_hash is h, as a new head: in a free way of its
 * bucket, else first in the chain. */
static void head_link(struct model *m, uint32_t slot, uint32_t h)
{
	struct bucket *b = bucket_of(m, h);
	unsigned i;

	for (i = 0; i < BKT_WAYS; i++)
		if (bkt_first(b->way[i]) == SLOT_NONE) {
			b->way[i] = way_word(slot, h);
			m->routes[slot].hnext = SLOT_NONE;
			return;
		}
	head_push(m, &b->chain, slot, h);
}

/* Replace head old by new (SLOT_NONE removes it) in its bucket; new has
 * old's key, whose key_hash is h (the caller's from route_find()). A way
 * left empty stays so until a new head takes it: moving a chained head
 * up would read its record. */
static void head_replace(struct model *m, uint32_t old, uint32_t new, uint32_t h)
{
	struct bucket *bk = bucket_of(m, h);
	uint32_t *b = &bk->chain, *p = b;
	uint32_t pred[16], s;
	unsigned n = 0, tags, i;

	for (i = 0; i < BKT_WAYS; i++)
		if (bkt_first(bk->way[i]) == old) {
			bk->way[i] = new == SLOT_NONE ? BKT_SLOT_MASK : way_word(new, h);
			if (new != SLOT_NONE)
				m->routes[new].hnext = SLOT_NONE;
			return;
		}
	for (s = bkt_first(*b); s != old; s = m->routes[s].hnext) {
		if (n < 16)
			pred[n] = s;
		n++;
		p = &m->routes[s].hnext;
	}
	if (new != SLOT_NONE) {
		m->routes[new].hnext = m->routes[old].hnext;
		m->routes[new].tail_tags = m->routes[old].tail_tags;
		*p = p == b ? bkt_word(new, bkt_tags(*b)) : new;
		return;
	}
	s = m->routes[old].hnext;
	if (p != b) {
		*p = s;
		s = bkt_first(*b);
	}
	/* old's tag leaves the tails of the heads before it, nearest first
	 * (a longer chain keeps it: a summary may hold too many tags) */
	tags = n <= 16 ? m->routes[old].tail_tags : bkt_tags(*b);
	while (n && n <= 16) {
		m->routes[pred[--n]].tail_tags = (uint8_t)tags;
		tags |= bkt_tag(rec_hash(&m->routes[pred[n]]));
	}
	*b = bkt_word(s, tags);
}

static int buckets_reserve(struct model *m, size_t heads)
{
	uint32_t old = m->n_buckets, n = old ? old : 64, i, k, s, nx, ways[BKT_WAYS];
	struct bucket *b;

	/* up to BKT_LOAD heads a bucket (half that right after a doubling): a
	 * full table of 1.06M prefixes fits 2^19 buckets (8 MiB, 8 bytes a
	 * route), 89% of its heads in ways, and a hit reads 1.07 records on
	 * average */
	if (heads <= (size_t)n * BKT_LOAD && old)
		return 0;
	while (heads > (size_t)n * BKT_LOAD)
		n *= 2;
	/* grown in place: freeing a big block makes glibc raise its mmap
	 * threshold, and the heap holes that follow stay resident */
	b = mem_realloc(m->mem, m->buckets, (size_t)old * sizeof(*b), (size_t)n * sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (i = old; i < n; i++)
		bucket_clear(&b[i]);
	/* the heads of bucket i move only to buckets i + k * old, which are
	 * new and empty, so each old bucket is split on its own */
	m->buckets = b;
	m->n_buckets = n;
	for (i = 0; i < old; i++) {
		memcpy(ways, b[i].way, sizeof(ways));
		s = bkt_first(b[i].chain);
		bucket_clear(&b[i]);
		for (k = 0; k < BKT_WAYS; k++)
			if (bkt_first(ways[k]) != SLOT_NONE)
				head_link(m, bkt_first(ways[k]),
					  rec_hash(&m->routes[bkt_first(ways[k])]));
		for (; s != SLOT_NONE; s = nx) {
			nx = m->routes[s].hnext;
			head_link(m, s, rec_hash(&m->routes[s]));
		}
	}
	return 0;
}

static int slots_reserve(struct model *m)
{
	uint32_t cap;
	struct route_rec *v;

	if (m->free_slot != SLOT_NONE || m->n_slots < m->cap_slots)
		return 0;
	/* slot numbers share the bucket word with the summary */
	if (m->cap_slots >= BKT_SLOT_MASK)
		return -ENOMEM;
	cap = m->cap_slots ? m->cap_slots + m->cap_slots / 2 : 64;
	if (cap > BKT_SLOT_MASK)
		cap = BKT_SLOT_MASK;
	v = mem_realloc(m->mem, m->routes, (size_t)m->cap_slots * sizeof(*v),
			(size_t)cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->routes = v;
	m->cap_slots = cap;
	return 0;
}

static uint32_t slot_take(struct model *m)
{
	uint32_t s;

	if (m->free_slot != SLOT_NONE) {
		s = m->free_slot;
		m->free_slot = m->routes[s].next;
		/* the next add takes that one: a miss less for it */
		if (m->free_slot != SLOT_NONE)
			RTW_PREFETCH_W(&m->routes[m->free_slot]);
	} else {
		s = m->n_slots++;
	}
	return s;
}

static void slot_put(struct model *m, uint32_t s)
{
	m->routes[s].family = 0;
	m->routes[s].next = m->free_slot;
	m->free_slot = s;
}

/* ---- best route of a prefix and the LPM ------------------------------- */

/* Whether a lookup (no TOS) may be decided by a route of family with these
 * attributes: TOS routes match only lookups with that TOS
 * (fib_table_lookup), and a route whose links are all down is passed over
 * for the next one where the kernel does so (Linux with
 * ignore_routes_with_linkdown: attr_passes()) instead of deciding and
 * failing. */
static bool route_counts(const struct attr *a, int family)
{
	return !a->tos && !a->pass[family == AF_INET6];
}

/* A route's router preference as Linux ranks it (IPV6_DECODE_PREF): low 1,
 * medium 2, high 3. */
static unsigned pref_rank(const struct attr *a)
{
	return (a->pref ^ 2u) & 3u;
}

/* The route of the chain from head that a lookup takes, skip left out (a
 * route on its way out; SLOT_NONE: none) and, with oif not 0, only routes
 * with a next hop on oif. IPv4 takes the first that counts
 * (fib_table_lookup). IPv6 (find_rr_leaf) ranks by router preference the
 * routes that have the metric of the chain's first: the most preferred that
 * counts, the first of those; when none of them counts, the most preferred
 * of all the others that count, again the first (the lowest metric, then
 * the oldest). Without preferences both are the first that counts. */
static uint32_t chain_pick(const struct model *m, uint32_t head, uint32_t skip, int oif)
{
	uint32_t s, best = SLOT_NONE, metric = 0;
	unsigned rank = 0, n;
	bool first = true, rest = false;

	for (s = head; s != SLOT_NONE; s = m->routes[s].next) {
		const struct route_rec *r = &m->routes[s];
		const struct attr *a = m->attrs[r->attr];

		if (s == skip)
			continue;
		if (first) {
			metric = a->metric;
			first = false;
		} else if (!rest && a->metric != metric) {
			if (best != SLOT_NONE)
				break;
			rest = true;
		}
		if (!route_counts(a, r->family) || (oif && !attr_hops_on(m, a, oif, &n)))
			continue;
		if (r->family != AF_INET6)
			return s;
		if (best == SLOT_NONE || pref_rank(a) > rank) {
			best = s;
			rank = pref_rank(a);
		}
	}
	return best;
}

static uint32_t chain_best(const struct model *m, uint32_t head)
{
	return chain_pick(m, head, SLOT_NONE, 0);
}

/* The LPM value of a best route: its attribute id. */
static uint32_t best_val(const struct model *m, uint32_t slot)
{
	return slot == SLOT_NONE ? LPM_NONE : m->routes[slot].attr;
}

/* plan.by_octet[o] and, where it is NULL in a plan of two, o's map of the
 * second octets the first table covers, while a map is free. */
static void plan_octet(struct lookup_plan *p, unsigned o)
{
	uint8_t k = (uint8_t)o;
	bool both = p->n == 2 && !lpm_octet_miss(p->lpm[0], &k);
	unsigned s = p->sub_of[o];

	p->by_octet[o] = p->n == 1 ? p->lpm[0] : p->n == 2 && !both ? p->lpm[1] : NULL;
	if (!both) {
		if (s)
			p->sub_used &= (uint8_t) ~(1u << (s - 1));
		p->sub_of[o] = 0;
		return;
	}
	if (!s) {
		for (s = 1; s <= PLAN_SUBS && (p->sub_used >> (s - 1) & 1); s++)
			;
		if (s > PLAN_SUBS)
			return; /* none free: this octet's lookups walk the first table */
		p->sub_used |= (uint8_t)(1u << (s - 1));
		p->sub_of[o] = (uint8_t)s;
	}
	lpm_octet_cover(p->lpm[0], o, p->sub[s - 1]);
}

/* plan_octet() for the first octets a prefix of len bits at addr covers. */
static void plan_octets(struct lookup_plan *p, const uint8_t *addr, unsigned len)
{
	unsigned n = len >= 8 ? 1 : 1u << (8 - len), lo = len ? addr[0] & ~(n - 1) : 0, o;

	for (o = lo; o < lo + n; o++)
		plan_octet(p, o);
}

/* The tables a lookup of this family visits: the non-empty ones, in order. */
static void plan_build(const struct model *m, int family, struct lookup_plan *p)
{
	struct lpm *const *v = family == AF_INET ? m->lpm4 : m->lpm6;
	size_t i;

	p->n = 0;
	for (i = 0; i < m->n_tables; i++) {
		if (family == AF_INET6 && i < 64 && (m->skip6 >> i & 1))
			continue;
		if (!lpm_count(v[i]))
			continue;
		p->lpm[p->n] = v[i];
		p->table[p->n++] = m->tables[i];
	}
	p->merge = family == AF_INET && m->merge_local_main && p->n >= 2 &&
		   p->table[0] == RTW_TABLE_LOCAL && p->table[1] == RTW_TABLE_MAIN;
	plan_octets(p, NULL, 0);
	/* with two, the second's: it decides alone where the first covers
	 * nothing of an address's first octet (rtw_lookup()) */
	p->one_table = p->n == 1 ? p->table[0] : p->n == 2 ? p->table[1] : 0;
}

/* The bare map of family (model.bare4 or bare6) and the first 16-bit
 * value it covers. */
static uint64_t *bare_map(struct model *m, int family, unsigned *ret_lo, unsigned *ret_n)
{
	*ret_lo = family == AF_INET ? 0 : BARE6_LO;
	*ret_n = family == AF_INET ? BARE4_N : BARE6_N;
	return family == AF_INET ? m->bare4 : m->bare6;
}

/* Bit s of map (whose first value is lo) set to bare. */
static void bare_put(uint64_t *map, unsigned lo, unsigned s, bool bare)
{
	uint64_t *w = &map[(s - lo) / 64], bit = UINT64_C(1) << (s - lo) % 64;

	*w = bare ? *w | bit : *w & ~bit;
}

/* The bare map of family for the /16s lo to lo + n - 1 (numbers of their
 * first 16 bits, within the map's range): a few one by one, a span of many
 * (a default route gone, a plan rebuilt) by first octet from the tables'
 * second-octet covers, 256 values at a time instead of one. first (NULL:
 * none), a table of the plan, is asked first one by one: the table an edit
 * changed, which after a delete from a full table nearly always still
 * meets the /16, so that the plan's other tables are not looked at. */
static void bare_refresh(struct model *m, int family, unsigned lo, unsigned n,
			 const struct lpm *first)
{
	const struct lookup_plan *p = family == AF_INET ? &m->plan4 : &m->plan6;
	unsigned s, i, end, map_lo, map_n;
	uint64_t *map = bare_map(m, family, &map_lo, &map_n);

	for (s = lo; s < lo + n && n < 64; s++) {
		const uint8_t k[2] = { (uint8_t)(s >> 8), (uint8_t)s };

		if (first && lpm_meets16(first, k)) {
			bare_put(map, map_lo, s, false);
			continue;
		}
		for (i = 0; i < p->n && !lpm_meets16(p->lpm[i], k); i++)
			;
		bare_put(map, map_lo, s, i == p->n);
	}
	for (; s < lo + n; s = end) {
		uint64_t met[4] = { 0 }, one[4];
		unsigned w;

		end = (s | 255) + 1 < lo + n ? (s | 255) + 1 : lo + n;
		for (i = 0; i < p->n; i++) {
			lpm_octet_cover(p->lpm[i], s >> 8, one);
			for (w = 0; w < 4; w++)
				met[w] |= one[w];
		}
		if (s % 256 == 0 && end - s == 256) { /* a whole octet: its four words */
			for (w = 0; w < 4; w++)
				map[(s - map_lo) / 64 + w] = ~met[w];
			s = end;
		}
		for (; s < end; s++)
			bare_put(map, map_lo, s, !((met[(s & 255) / 64] >> (s & 63)) & 1));
	}
}

/* bare_refresh() of the /16s in the map that the prefix addr/len meets,
 * after an edit of table t (of the plan); a prefix added meets them all, so
 * they are cleared without a look. */
static void bare_prefix(struct model *m, const struct lpm *t, int family, const uint8_t *addr,
			unsigned len, bool added)
{
	unsigned n = len >= 16 ? 1 : 1u << (16 - len), map_lo, map_n;
	unsigned lo = ((unsigned)addr[0] << 8 | addr[1]) & ~(n - 1), hi = lo + n;
	uint64_t *map = bare_map(m, family, &map_lo, &map_n);

	lo = lo > map_lo ? lo : map_lo;
	hi = hi < map_lo + map_n ? hi : map_lo + map_n;
	if (lo >= hi)
		return;
	if (!added) {
		bare_refresh(m, family, lo, hi - lo, t);
		return;
	}
	while (lo < hi) {
		if (lo % 64 == 0 && hi - lo >= 64) { /* a span of many: whole words */
			map[(lo - map_lo) / 64] = 0;
			lo += 64;
		} else {
			bare_put(map, map_lo, lo++, false);
		}
	}
}

static void model_plan(struct model *m)
{
	if (!m->plan4.lpm)
		return; /* model_init failed half way */
	plan_build(m, AF_INET, &m->plan4);
	plan_build(m, AF_INET6, &m->plan6);
	bare_refresh(m, AF_INET, 0, BARE4_N, NULL);
	bare_refresh(m, AF_INET6, BARE6_LO, BARE6_N, NULL);
}

/* The lookup plan that visits t, or NULL. */
static struct lookup_plan *plan_of(struct model *m, const struct lpm *t)
{
	struct lookup_plan *plans[2] = { &m->plan4, &m->plan6 };
	unsigned k, i;

	for (k = 0; k < 2; k++)
		for (i = 0; i < plans[k]->n; i++)
			if (plans[k]->lpm[i] == t)
				return plans[k];
	return NULL;
}

static int lpm_set(struct model *m, struct lpm *t, const uint8_t *addr, unsigned len, uint32_t old,
		   uint32_t new)
{
	struct lookup_plan *p;
	bool was_empty;
	int r;

	if (!t || old == new)
		return 0;
	was_empty = lpm_count(t) == 0;
	if (new == LPM_NONE)
		r = lpm_delete(t, addr, len);
	else
		r = lpm_insert(t, addr, len, new);
	if (was_empty != (lpm_count(t) == 0)) {
		model_plan(m);
	} else if ((p = plan_of(m, t)) != NULL) {
		/* what the local table covers may have changed */
		if (p->n == 2 && t == p->lpm[0])
			plan_octets(p, addr, len);
		bare_prefix(m, t, p == &m->plan4 ? AF_INET : AF_INET6, addr, len,
			    r >= 0 && new != LPM_NONE);
	}
	return r < 0 ? r : 0;
}

static void report_change(struct model *m, enum change_kind kind, uint32_t slot,
			  const uint8_t *addr, int family, uint32_t table, unsigned len,
			  uint32_t old_best, uint32_t new_best, bool gateway, bool old_throw,
			  uint32_t old_attr)
{
	struct route_change ch;

	if (!m->on_change)
		return;
	memset(&ch, 0, sizeof(ch));
	ch.kind = kind;
	ch.slot = slot;
	ch.family = family;
	ch.table = table;
	ch.dst.addr.family = (sa_family_t)family;
	/* copies of a fixed size: a variable one is a library call */
	if (family == AF_INET)
		memcpy(ch.dst.addr.bytes, addr, 4);
	else
		memcpy(ch.dst.addr.bytes, addr, 16);
	ch.dst.len = (uint8_t)len;
	ch.old_best = old_best;
	ch.new_best = new_best;
	ch.old_throw = old_throw;
	ch.gateway = gateway;
	ch.old_attr = old_attr;
	m->on_change(m->on_change_arg, &ch);
}

static bool is_throw(const struct model *m, uint32_t slot)
{
	return slot != SLOT_NONE && m->attrs[m->routes[slot].attr]->type == RTW_ROUTE_THROW;
}

static void report(struct model *m, enum change_kind kind, uint32_t slot, const uint8_t *addr,
		   int family, uint32_t table, unsigned len, uint32_t old_best, uint32_t new_best,
		   bool gateway)
{
	report_change(m, kind, slot, addr, family, table, len, old_best, new_best, gateway,
		      is_throw(m, old_best), SLOT_NONE);
}

/* ---- routes -------------------------------------------------------------- */

static int route_check(const struct rtw_route *r, uint8_t *addr)
{
	struct rtw_prefix p;

	if (r->dst.addr.family != AF_INET && r->dst.addr.family != AF_INET6)
		return -EAFNOSUPPORT;
	if (r->dst.len > (r->dst.addr.family == AF_INET ? 32 : 128))
		return -EINVAL;
	if (r->n_nexthops && !r->nexthops)
		return -EINVAL;
	if (!addr_pref_ok(r->dst.addr.family, r->pref))
		return -EINVAL;
	/* IPv4: most of a full table's events */
	if (r->dst.addr.family == AF_INET) {
		memset(addr, 0, 16);
		lpm_mask4(r->dst.addr.bytes, r->dst.len, addr);
		return 0;
	}
	p = r->dst;
	prefix_mask(&p);
	memcpy(addr, p.addr.bytes, 16);
	return 0;
}

/* IPv6 keeps several routes under one (table, prefix, metric) when they
 * cannot be multipath siblings (rt6_qualify_for_ecmp: a gateway, no nexthop
 * object): device routes (every interface has its own fe80::/64 and
 * ff00::/8), routes over different nexthop objects and a reject route stay
 * apart from each other and from the gateway routes, which group as
 * siblings. So for IPv6 the key also holds a discriminator: the interface of
 * a device-only route, DISC_NHOBJ | the object's id, DISC_REJECT for the one
 * reject route the kernel allows (they all go "dev lo"), 0 for gateway and
 * multipath routes. IPv4 keys by TOS and metric only (fib_table_insert). */
#define DISC_NHOBJ  (UINT64_C(1) << 32)
#define DISC_REJECT (UINT64_C(2) << 32)

static uint64_t hops_disc(int family, uint8_t type, uint32_t nhid, const struct rtw_nexthop *h,
			  unsigned n)
{
	if (family != AF_INET6)
		return 0;
	if (nhid)
		return DISC_NHOBJ | nhid;
	if (!type_has_hops(type))
		return DISC_REJECT;
	if (n != 1 || h[0].gateway.family != AF_UNSPEC)
		return 0;
	return (uint32_t)h[0].ifindex;
}

static uint64_t route_disc(const struct rtw_route *r)
{
	return hops_disc(r->dst.addr.family, (uint8_t)r->type, r->nhid, r->nexthops,
			 type_has_hops((uint8_t)r->type) ? r->n_nexthops : 0);
}

static uint64_t rec_disc(const struct model *m, const struct route_rec *r)
{
	const struct attr *a = m->attrs[r->attr];

	return hops_disc(r->family, a->type, a->nhid, a->nh, a->n_nh);
}

/* An add or delete waits on two chains of cache misses, the route's
 * bucket and record and the LPM's path, each miss on the one before:
 * started here side by side, they overlap. *ret_hash gets the key's
 * hash. */
static void route_prefetch(const struct model *m, int family, uint32_t table, const uint8_t *addr,
			   unsigned len, uint32_t *ret_hash)
{
	const struct lpm *t = lpm_of(m, family, table);
	uint32_t hash = key_hash(family, table, addr, len);
	struct lpm_hint h;

	*ret_hash = hash;
	if (!m->n_buckets)
		return;
	RTW_PREFETCH(bucket_of(m, hash));
	home_prefetch(m, hash);
	if (t)
		lpm_prefetch(t, addr, &h);
	bucket_prefetch(m, bucket_of(m, hash), hash);
	if (t)
		lpm_prefetch_more(t, addr, len, &h);
}

/* The route under the full key, and the head of its (table, prefix) chain
 * and the key's hash. */
static uint32_t route_find(const struct model *m, int family, uint32_t table, const uint8_t *addr,
			   unsigned len, uint8_t tos, uint32_t metric, uint64_t disc,
			   uint32_t *ret_head, uint32_t *ret_hash)
{
	uint32_t s;

	route_prefetch(m, family, table, addr, len, ret_hash);
	s = head_find_hashed(m, *ret_hash, family, table, addr, len);
	*ret_head = s;
	for (; s != SLOT_NONE; s = m->routes[s].next) {
		const struct attr *a = m->attrs[m->routes[s].attr];

		if (a->tos == tos && a->metric == metric &&
		    (family != AF_INET6 || rec_disc(m, &m->routes[s]) == disc))
			return s;
	}
	return SLOT_NONE;
}

/* Replace the attributes of an existing route. */
static int route_set_attr(struct model *m, uint32_t slot, uint32_t head, uint32_t new_attr)
{
	struct route_rec *r = &m->routes[slot];
	struct lpm *t = lpm_of(m, r->family, r->table);
	uint32_t old_attr = r->attr, old_best = chain_best(m, head), new_best;
	uint32_t old_val = best_val(m, old_best);
	/* read before the route takes its new attributes: a throw replaced in
	 * place must still be reported as a throw that went */
	bool gw, old_throw = is_throw(m, old_best);
	int e = attr_list_reserve(m, new_attr);

	if (e < 0)
		return e;
	r->attr = new_attr;
	new_best = chain_best(m, head);
	e = lpm_set(m, t, r->addr, r->len, old_val, best_val(m, new_best));
	if (e < 0) {
		r->attr = old_attr;
		return e;
	}
	attr_unlist_route(m, old_attr, slot);
	attr_list_route(m, new_attr, slot);
	gw = m->attrs[old_attr]->gateway || m->attrs[new_attr]->gateway;
	report_change(m, CHANGE_REPLACE, slot, r->addr, r->family, r->table, r->len,
		      t ? old_best : SLOT_NONE, t ? new_best : SLOT_NONE, gw, t && old_throw,
		      old_attr);
	attr_release(m, old_attr);
	return 1;
}

/* Give a route the attribute set id (a reference the caller took): 0 when
 * it already had it, 1 when it changed, -errno with nothing changed. */
static int route_switch_attr(struct model *m, uint32_t slot, uint32_t head, uint32_t id)
{
	int e;

	if (id == m->routes[slot].attr) {
		attr_release(m, id);
		return 0;
	}
	e = route_set_attr(m, slot, head, id);
	if (e < 0)
		attr_release(m, id);
	return e;
}

/* Merge or remove next hops for IPv6-style multipath append/delete. */
static int hops_combine(struct model *m, const struct attr *old, const struct rtw_route *r,
			bool add, struct rtw_nexthop **ret, unsigned *ret_n)
{
	unsigned i, j, n = 0;
	struct rtw_nexthop *v = mem_alloc(m->mem, (old->n_nh + r->n_nexthops + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (i = 0; i < old->n_nh; i++)
		if (add || !hops_hold(r->nexthops, r->n_nexthops, &old->nh[i]))
			v[n++] = old->nh[i];
	if (add)
		for (j = 0; j < r->n_nexthops; j++)
			if (!attr_holds_hop(old, &r->nexthops[j]))
				v[n++] = r->nexthops[j];
	if (n == 1)
		v[0].weight = 1; /* not multipath any more */
	*ret = v;
	*ret_n = n;
	return 0;
}

/* r's hops, those that old has first (RTW_EVF_SIBLINGS): the order of the
 * kernel's list and dump, where a notification names a sibling added alone
 * first. Each group keeps r's order; hops come from r (its weights). */
static int hops_old_first(struct model *m, const struct attr *old, const struct rtw_route *r,
			  struct rtw_nexthop **ret)
{
	struct rtw_nexthop *v = mem_alloc(m->mem, r->n_nexthops * sizeof(*v));
	unsigned j, n = 0, pass;

	if (!v)
		return -ENOMEM;
	for (pass = 0; pass < 2; pass++)
		for (j = 0; j < r->n_nexthops; j++)
			if (attr_holds_hop(old, &r->nexthops[j]) == (pass == 0))
				v[n++] = r->nexthops[j];
	*ret = v;
	return 0;
}

static void route_unlink_free(struct model *m, uint32_t slot, uint32_t head, uint32_t h);

/* route_delete_slot() with h, the key's key_hash (read when slot is the
 * head only). */
static int route_delete_hashed(struct model *m, uint32_t slot, uint32_t head, uint32_t h)
{
	struct route_rec *r = &m->routes[slot];
	struct lpm *t = lpm_of(m, r->family, r->table);
	uint32_t old_best = chain_best(m, head), new_best = chain_pick(m, head, slot, 0);
	int e;

	e = lpm_set(m, t, r->addr, r->len, best_val(m, old_best), best_val(m, new_best));
	if (e < 0)
		return e;
	report(m, CHANGE_DEL, slot, r->addr, r->family, r->table, r->len, t ? old_best : SLOT_NONE,
	       t ? new_best : SLOT_NONE, m->attrs[r->attr]->gateway);
	route_unlink_free(m, slot, head, h);
	return 1;
}

static int route_delete_slot(struct model *m, uint32_t slot, uint32_t head)
{
	return route_delete_hashed(m, slot, head, slot == head ? rec_hash(&m->routes[slot]) : 0);
}

/* h is the key's key_hash, read when slot is the head only. */
static void route_unlink_free(struct model *m, uint32_t slot, uint32_t head, uint32_t h)
{
	struct route_rec *r = &m->routes[slot];

	if (slot == head) {
		if (r->next != SLOT_NONE) {
			head_replace(m, slot, r->next, h);
		} else {
			head_replace(m, slot, SLOT_NONE, h);
			m->n_heads--;
		}
	} else {
		uint32_t p = head;

		while (m->routes[p].next != slot)
			p = m->routes[p].next;
		m->routes[p].next = r->next;
	}
	attr_unlist_route(m, r->attr, slot);
	attr_release(m, r->attr);
	slot_put(m, slot);
	m->n_routes--;
}

/* What an IPv6 NLM_F_REPLACE replaces (fib6_add_rt2node): the first route
 * under (table, prefix, metric) that is as able to be a multipath sibling
 * (has a gateway) as the new one, else the first under that key. */
static uint32_t replace_target6(const struct model *m, uint32_t head, const struct rtw_route *r)
{
	uint32_t s, first = SLOT_NONE;
	bool gw = !r->nhid && type_has_hops((uint8_t)r->type) &&
		  hops_have_gateway(r->nexthops, r->n_nexthops);
	for (s = head; s != SLOT_NONE; s = m->routes[s].next) {
		const struct attr *a = m->attrs[m->routes[s].attr];

		if (a->tos != r->tos || a->metric != r->metric)
			continue;
		/* a route over a nexthop object is nobody's sibling */
		if ((a->gateway && !a->nhid) == gw)
			return s;
		if (first == SLOT_NONE)
			first = s;
	}
	return first;
}

/* true when attribute set a describes the same path as r: what the kernel
 * compares when it deletes one of several routes under a key. */
static bool attr_same_path(const struct attr *a, const struct rtw_route *r)
{
	unsigned n = type_has_hops((uint8_t)r->type) && !r->nhid ? r->n_nexthops : 0, i;

	if (a->type != (uint8_t)r->type || a->nhid != r->nhid || a->n_nh != n ||
	    !addr_eq(&a->prefsrc, &r->prefsrc))
		return false;
	for (i = 0; i < n; i++)
		if (!hop_same_path(&a->nh[i], &r->nexthops[i]))
			return false;
	return true;
}

/* Whether every hop of r is one of a's (its own hops; r names some). */
static bool attr_has_hops(const struct attr *a, const struct rtw_route *r)
{
	unsigned j;

	if (a->nhid || r->nhid || !r->n_nexthops)
		return false;
	for (j = 0; j < r->n_nexthops; j++)
		if (!attr_holds_hop(a, &r->nexthops[j]))
			return false;
	return true;
}

/* Of the routes under slot's key from slot on (slot is the first with r's
 * tos, metric and discriminator), the one whose hops a sibling set r
 * (RTW_EVF_SIBLINGS) shares: the kernel lists every sibling in the
 * notification. SLOT_NONE when none shares one: a set beside routes that
 * are no siblings of it (the default routes of routers' advertisements)
 * is a route of its own. */
static uint32_t sibling_target(const struct model *m, uint32_t slot, const struct rtw_route *r)
{
	uint64_t disc = rec_disc(m, &m->routes[slot]);
	uint32_t s;
	unsigned j;

	for (s = slot; s != SLOT_NONE; s = m->routes[s].next) {
		const struct attr *a = m->attrs[m->routes[s].attr];

		if (a->tos != r->tos || a->metric != r->metric)
			break;
		if (a->nhid || rec_disc(m, &m->routes[s]) != disc)
			continue;
		for (j = 0; j < r->n_nexthops; j++)
			if (attr_holds_hop(a, &r->nexthops[j]))
				return s;
	}
	return SLOT_NONE;
}

/* Whether a route over nexthop object r->nhid with attributes a is r but
 * for its type: the kernel reports a route over a blackhole object as a
 * blackhole route, whatever the model was told last. */
static bool attr_same_object(const struct attr *a, const struct rtw_route *r)
{
	return r->nhid && a->nhid == r->nhid &&
	       (a->type == RTW_ROUTE_UNICAST || a->type == RTW_ROUTE_BLACKHOLE) &&
	       (r->type == RTW_ROUTE_UNICAST || r->type == RTW_ROUTE_BLACKHOLE);
}

/* Of the routes under slot's key (slot is the first), the one r names: the
 * kernel keeps several routes under a key side by side (IPv4 append and
 * prepend, IPv6 routes that are no siblings), and a deletion notice names
 * the one that went by its path, or one path of it. When none matches:
 * SLOT_NONE for a notice that names its route exactly (RTW_EVF_EXACT; the
 * route is gone already), else the first. */
static uint32_t dup_pick(const struct model *m, uint32_t slot, const struct rtw_route *r,
			 unsigned evflags)
{
	const struct attr *first = m->attrs[m->routes[slot].attr];
	uint64_t disc = rec_disc(m, &m->routes[slot]);
	uint32_t s;
	int pass;

	/* the route with exactly r's path, else one that has r's hops or
	 * r's nexthop object */
	for (pass = 0; pass < 2; pass++)
		for (s = slot; s != SLOT_NONE; s = m->routes[s].next) {
			const struct attr *a = m->attrs[m->routes[s].attr];

			if (a->tos != first->tos || a->metric != first->metric)
				break;
			if (rec_disc(m, &m->routes[s]) == disc &&
			    (pass ? attr_has_hops(a, r) || attr_same_object(a, r)
				  : attr_same_path(a, r)))
				return s;
		}
	return (evflags & RTW_EVF_EXACT) ? SLOT_NONE : slot;
}

/* The route under head's key that a replace over nexthop object r->nhid
 * names, or SLOT_NONE: the kernel reports a route over a blackhole object as
 * a blackhole route, and a replace of the object as a replace of each route
 * over it, so such a route is the one with r's attributes but for a type
 * that went from unicast to blackhole or back. */
static uint32_t object_route_under(const struct model *m, uint32_t head, const struct rtw_route *r)
{
	uint32_t s;

	for (s = head; s != SLOT_NONE; s = m->routes[s].next) {
		const struct attr *a = m->attrs[m->routes[s].attr];

		if (attr_same_object(a, r) && a->tos == r->tos && a->metric == r->metric &&
		    a->protocol == r->protocol && a->scope == r->scope && a->pref == r->pref &&
		    addr_eq(&a->prefsrc, &r->prefsrc))
			return s;
	}
	return SLOT_NONE;
}

int model_route_add(struct model *m, const struct rtw_route *r, unsigned evflags)
{
	uint8_t addr[16];
	uint32_t hash, head, slot, old_best, new_best, *pp;
	struct lpm *t;
	struct route_rec *rec;
	int64_t id = 0;
	int e, family;
	bool dup;

	e = route_check(r, addr);
	if (e < 0)
		return e;
	family = r->dst.addr.family;
	slot = route_find(m, family, r->table, addr, r->dst.len, r->tos, r->metric, route_disc(r),
			  &head, &hash);
	if (family == AF_INET6 && (evflags & RTW_EVF_REPLACE))
		slot = replace_target6(m, head, r);
	else if (slot != SLOT_NONE && (evflags & RTW_EVF_SIBLINGS) && !r->nhid)
		slot = sibling_target(m, slot, r);
	/* A replace by a route the key already holds changes nothing (IPv4's
	 * fib_table_insert finds it as fa_match, and leaves the key's first
	 * route alone). The kernel sends one for every route over a nexthop
	 * object it replaces (fib_table_notify_update, fib6_rt_update), and
	 * that route need not be the one a replace takes. IPv6 has no such
	 * match: it replaces the route replace_target6() names, leaving two
	 * identical routes, which the model follows except over an object,
	 * where a user's replace and the object's notification look the same.
	 * An append or prepend of a route the key holds does nothing. */
	dup =
	    slot != SLOT_NONE && (((evflags & RTW_EVF_REPLACE) && (family == AF_INET || r->nhid)) ||
				  (evflags & (RTW_EVF_DUP_APPEND | RTW_EVF_DUP_PREPEND)));
	if (dup) {
		uint32_t s;

		id = attr_intern_route(m, r);
		if (id < 0)
			return (int)id;
		for (s = head; s != SLOT_NONE; s = m->routes[s].next)
			if (m->routes[s].attr == (uint32_t)id) {
				m->routes[s].gen = m->gen;
				attr_release(m, (uint32_t)id);
				return 0;
			}
		if (!(evflags & RTW_EVF_REPLACE))
			slot = SLOT_NONE; /* one more route under the key */
		else if (r->nhid && (s = object_route_under(m, head, r)) != SLOT_NONE)
			slot = s;
	}
	if (slot != SLOT_NONE) {
		if (evflags & RTW_EVF_APPEND && !r->nhid && !m->attrs[m->routes[slot].attr]->nhid) {
			struct rtw_route merged = *r;
			struct rtw_nexthop *v;
			unsigned n;

			if (dup)
				attr_release(m, (uint32_t)id);
			e = hops_combine(m, m->attrs[m->routes[slot].attr], r, true, &v, &n);
			if (e < 0)
				return e;
			merged.nexthops = v;
			merged.n_nexthops = n;
			id = attr_intern_route(m, &merged);
			mem_free(m->mem, v,
				 (m->attrs[m->routes[slot].attr]->n_nh + r->n_nexthops + 1) *
				     sizeof(*v));
		} else if (!dup && (evflags & RTW_EVF_SIBLINGS) && r->n_nexthops > 1 && !r->nhid &&
			   !m->attrs[m->routes[slot].attr]->nhid) {
			const struct attr *had = m->attrs[m->routes[slot].attr];
			struct rtw_route ordered = *r;
			struct rtw_nexthop *v;

			e = hops_old_first(m, had, r, &v);
			if (e < 0)
				return e;
			ordered.nexthops = v;
			/* a notification of a sibling added alone has that
			 * route's attributes; the kernel's dump the first
			 * sibling's, which the route had */
			ordered.protocol = had->protocol;
			ordered.scope = had->scope;
			ordered.pref = had->pref;
			ordered.prefsrc = had->prefsrc;
			id = attr_intern_route(m, &ordered);
			mem_free(m->mem, v, r->n_nexthops * sizeof(*v));
		} else if (!dup) {
			id = attr_intern_route(m, r);
		}
		if (id < 0)
			return (int)id;
		m->routes[slot].gen = m->gen;
		return route_switch_attr(m, slot, head, (uint32_t)id);
	}

	/* A new route: reserve everything, then link it in. */
	if (!dup)
		id = attr_intern_route(m, r);
	if (id < 0)
		return (int)id;
	if (slots_reserve(m) < 0 || (head == SLOT_NONE && buckets_reserve(m, m->n_heads + 1) < 0) ||
	    attr_list_reserve(m, (uint32_t)id) < 0) {
		attr_release(m, (uint32_t)id);
		return -ENOMEM;
	}
	slot = slot_take(m);
	rec = &m->routes[slot];
	memset(rec, 0, sizeof(*rec));
	memcpy(rec->addr, addr, 16);
	rec->len = r->dst.len;
	rec->family = (uint8_t)family;

	rec->gen = m->gen;
	rec->table = r->table;

	rec->attr = (uint32_t)id;
	rec->next = SLOT_NONE;
	rec->hnext = SLOT_NONE;
	attr_list_route(m, (uint32_t)id, slot);

	old_best = head == SLOT_NONE ? SLOT_NONE : chain_best(m, head);
	/* insert in (tos descending as Linux orders aliases, then metric) order */
	if (head == SLOT_NONE) {
		head_link(m, slot, hash);
		m->n_heads++;
		head = slot;
	} else {
		uint32_t *link = &head, prev_head = head;

		bool before_equal = evflags & RTW_EVF_DUP_PREPEND;

		pp = link;
		/* after equal ones, as the kernel appends; before them for a prepend */
		while (*pp != SLOT_NONE &&
		       (m->attrs[m->routes[*pp].attr]->tos > r->tos ||
			(m->attrs[m->routes[*pp].attr]->tos == r->tos &&
			 (m->attrs[m->routes[*pp].attr]->metric < r->metric ||
			  (!before_equal && m->attrs[m->routes[*pp].attr]->metric == r->metric)))))
			pp = &m->routes[*pp].next;
		rec->next = *pp;
		*pp = slot;
		if (head != prev_head)
			head_replace(m, prev_head, slot, hash);
	}
	/* head is the chain's head now: slot when it went first */
	new_best = chain_best(m, head);
	t = lpm_of(m, family, r->table);
	e = lpm_set(m, t, addr, r->dst.len, best_val(m, old_best), best_val(m, new_best));
	if (e < 0) {
		/* undo: unlink without reporting */
		route_unlink_free(m, slot, head, hash);
		m->n_routes++; /* route_unlink_free counted a route that never was */
		return e;
	}
	m->n_routes++;
	report(m, CHANGE_ADD, slot, addr, family, r->table, r->dst.len, t ? old_best : SLOT_NONE,
	       t ? new_best : SLOT_NONE, m->attrs[(uint32_t)id]->gateway);
	return 1;
}

/* Whether another route than slot has its (table, prefix, tos, metric). */
static bool key_shared(const struct model *m, uint32_t head, uint32_t slot)
{
	const struct attr *a = m->attrs[m->routes[slot].attr];
	uint32_t s;

	for (s = head; s != SLOT_NONE; s = m->routes[s].next) {
		const struct attr *b = m->attrs[m->routes[s].attr];

		if (s != slot && b->tos == a->tos && b->metric == a->metric)
			return true;
	}
	return false;
}

int model_route_del(struct model *m, const struct rtw_route *r, unsigned evflags)
{
	uint8_t addr[16];
	uint32_t hash, head, slot;
	int e;

	e = route_check(r, addr);
	if (e < 0)
		return e;
	slot = route_find(m, r->dst.addr.family, r->table, addr, r->dst.len, r->tos, r->metric,
			  route_disc(r), &head, &hash);
	if (slot == SLOT_NONE)
		return 0;
	slot = dup_pick(m, slot, r, evflags);
	if (slot == SLOT_NONE)
		return 0;
	if (evflags & RTW_EVF_APPEND && r->n_nexthops && !m->attrs[m->routes[slot].attr]->nhid) {
		const struct attr *old = m->attrs[m->routes[slot].attr];
		size_t vsz = (old->n_nh + r->n_nexthops + 1) * sizeof(struct rtw_nexthop);
		struct rtw_route rest = *r;
		struct rtw_nexthop *v;
		unsigned n;
		int64_t id;

		rest.type = (enum rtw_route_type)old->type;
		rest.protocol = old->protocol;
		rest.scope = old->scope;
		rest.pref = old->pref;
		rest.prefsrc = old->prefsrc;
		e = hops_combine(m, old, r, false, &v, &n);
		if (e < 0)
			return e;
		/* A path the route does not have changes nothing when another
		 * route shares the key: Linux deletes siblings that its dump
		 * stopped showing once such a route lies between them in its
		 * list (fib6_dump_node() jumps from the first sibling to the
		 * last; seen on 6.18). The key's only route with one path named
		 * differently (a stale model) still went: the kernel says so. */
		if (n == old->n_nh && (n > 1 || key_shared(m, head, slot))) {
			mem_free(m->mem, v, vsz);
			return 0;
		}
		if (n > 0 && n != old->n_nh) {
			rest.nexthops = v;
			rest.n_nexthops = n;
			id = attr_intern_route(m, &rest);
			mem_free(m->mem, v, vsz);
			if (id < 0)
				return (int)id;
			return route_switch_attr(m, slot, head, (uint32_t)id);
		}
		mem_free(m->mem, v, vsz);
	}
	return route_delete_hashed(m, slot, head, hash);
}

/* After attributes changed usability (links, nexthop objects): the LPM
 * entry of route s's prefix brought up to date, once a prefix, and with
 * replace_report s reported replaced. Changed attributes are flagged in
 * changed[] by id. */
static int route_rebest(struct model *m, uint32_t s, const uint8_t *changed, bool replace_report)
{
	struct route_rec *r = &m->routes[s];
	uint32_t head, old_best, new_best, old_val, x;
	struct lpm *t;
	bool seen_before = false;

	head = head_find(m, r->family, r->table, r->addr, r->len);
	/* handle each prefix once: at the first changed route of its chain */
	for (x = head; x != s; x = m->routes[x].next)
		if (changed[m->routes[x].attr])
			seen_before = true;
	if (replace_report)
		report(m, CHANGE_REPLACE, s, r->addr, r->family, r->table, r->len, SLOT_NONE,
		       SLOT_NONE, m->attrs[r->attr]->gateway || (changed[r->attr] & 2));
	if (seen_before)
		return 0;
	t = lpm_of(m, r->family, r->table);
	if (!t)
		return 0;
	new_best = chain_best(m, head);
	old_val = lpm_get(t, r->addr, r->len);
	if (old_val == best_val(m, new_best))
		return 0;
	old_best = SLOT_NONE;
	for (x = head; x != SLOT_NONE; x = m->routes[x].next)
		if (m->routes[x].attr == old_val)
			old_best = x;
	if (lpm_set(m, t, r->addr, r->len, old_val, best_val(m, new_best)) < 0)
		return -ENOMEM;
	report(m, CHANGE_BEST, new_best, r->addr, r->family, r->table, r->len, old_best, new_best,
	       false);
	return 0;
}

/* Calls fn(m, slot, arg) for each route whose attribute set pick(m, id,
 * arg) takes (no set comes meanwhile): through the sets' lists when every
 * set taken has one (attr.slots), each copied first, as fn may delete the
 * route and with the last one the set; else in one walk of all routes
 * (O(routes), as the kernel's own). A set taken by none costs no walk.
 * Returns -ENOMEM when a call did; the others still run. */
static int routes_of_sets(struct model *m,
			  bool (*pick)(const struct model *m, uint32_t id, const void *arg),
			  int (*fn)(struct model *m, uint32_t slot, const void *arg),
			  const void *arg)
{
	uint32_t i, j, k, s, n = m->n_attrs, v[ATTR_FEW];
	bool any = false, few = true;
	int err = 0;

	for (i = 0; i < n && few; i++)
		if (pick(m, i, arg)) {
			any = true;
			few = !m->attrs[i]->many;
		}
	if (!any)
		return 0;
	if (few) {
		for (i = 0; i < n; i++) {
			if (!pick(m, i, arg))
				continue;
			k = m->attrs[i]->n_slots;
			for (j = 0; j < k; j++)
				v[j] = m->attrs[i]->slots[j];
			for (j = 0; j < k; j++)
				if (fn(m, v[j], arg) < 0)
					err = -ENOMEM;
		}
		return err;
	}
	for (s = 0; s < m->n_slots; s++)
		if (m->routes[s].family && pick(m, m->routes[s].attr, arg) && fn(m, s, arg) < 0)
			err = -ENOMEM;
	return err;
}

struct rebest_arg {
	const uint8_t *changed;
	bool replace_report;
};

static bool attr_changed(const struct model *m, uint32_t id, const void *arg)
{
	(void)m;
	return ((const struct rebest_arg *)arg)->changed[id];
}

static int route_rebest_fn(struct model *m, uint32_t slot, const void *arg)
{
	const struct rebest_arg *a = arg;

	return route_rebest(m, slot, a->changed, a->replace_report);
}

/* Each route whose attribute set changed (flagged in changed[], by id) is
 * visited once. */
static int routes_rebest(struct model *m, const uint8_t *changed, bool replace_report)
{
	const struct rebest_arg a = { changed, replace_report };

	return routes_of_sets(m, attr_changed, route_rebest_fn, &a);
}

/* Marks on nexthop objects (nhobj_rec.mark), for changes to many objects at
 * once: a group's routes are refreshed by one walk of the routes for all the
 * groups an event changed, not one walk each (a member in a thousand groups
 * went, the resync after FRR restarted). */
#define NH_DYING   1 /* goes, with its routes */
#define NH_TOUCHED 2 /* its hops changed */

static bool nhobj_marked(const struct model *m, uint32_t id, uint8_t mark)
{
	const struct nhobj_rec *o = id ? nhobj_find(m, id) : NULL;

	return o && o->mark & mark;
}

static int attrs_refresh_sel(struct model *m, int ifindex, uint32_t nhid, bool touched,
			     bool replace_report);

static int attrs_refresh(struct model *m, int ifindex, uint32_t nhid, bool replace_report)
{
	return attrs_refresh_sel(m, ifindex, nhid, false, replace_report);
}

/* Recompute every attribute that goes through ifindex (0: all) or uses
 * nexthop object nhid, or with touched an object marked NH_TOUCHED, then the
 * affected prefixes. A failure half way leaves attributes and indexes out of
 * step (the caller's undo can fail too): the model is marked stale, and the
 * next sweep mends it. */
static int attrs_refresh_sel(struct model *m, int ifindex, uint32_t nhid, bool touched,
			     bool replace_report)
{
	uint8_t *changed;
	uint32_t i;
	bool any = false;
	int e;

	if (!m->n_attrs)
		return 0;
	changed = mem_calloc(m->mem, m->n_attrs, 1);
	if (!changed) {
		m->stale = true;
		return -ENOMEM;
	}
	for (i = 0; i < m->n_attrs; i++) {
		struct attr *a;
		unsigned n;
		bool touches, was, was_gw, pass[2];

		if (!attr_live(m, i))
			continue;
		a = m->attrs[i];
		if (touched)
			touches = nhobj_marked(m, a->nhid, NH_TOUCHED);
		else if (nhid)
			touches = a->nhid == nhid;
		else
			touches = attr_hops_on(m, a, ifindex, &n) > 0 || (!ifindex && n > 0);
		if (!touches)
			continue;
		was = a->usable;
		was_gw = a->gateway;
		pass[0] = a->pass[0];
		pass[1] = a->pass[1];
		attr_refresh(m, a);
		if (was != a->usable || pass[0] != a->pass[0] || pass[1] != a->pass[1] ||
		    replace_report) {
			/* bit 1: had a gateway, which a replaced object may have lost */
			changed[i] = (uint8_t)(1 | was_gw << 1);
			any = true;
		}
	}
	e = any ? routes_rebest(m, changed, replace_report) : 0;
	mem_free(m->mem, changed, m->n_attrs);
	if (e < 0)
		m->stale = true;
	return e;
}

/* After a stale model's sweep: every attribute recomputed from the links
 * and objects as they are now, and every prefix's index entry checked
 * against its routes (O(routes), as the dump before it). */
static int attrs_mend(struct model *m)
{
	uint8_t *changed;
	uint32_t i;
	int e;

	if (!m->n_attrs) {
		m->stale = false;
		return 0;
	}
	changed = mem_calloc(m->mem, m->n_attrs, 1);
	if (!changed)
		return -ENOMEM;
	for (i = 0; i < m->n_attrs; i++)
		if (attr_live(m, i)) {
			attr_refresh(m, m->attrs[i]);
			changed[i] = 1;
		}
	e = routes_rebest(m, changed, false);
	mem_free(m->mem, changed, m->n_attrs);
	if (e == 0)
		m->stale = false;
	return e;
}

/* ---- links ------------------------------------------------------------ */

static void nhobjs_refresh_flags(struct model *m)
{
	size_t i;

	for (i = 0; i < m->n_nhobjs; i++)
		hops_refresh_flags(m, m->nhobjs[i].hops, m->nhobjs[i].n_hops, false);
}

int model_link_set(struct model *m, const struct rtw_link *l)
{
	struct link_rec *rec = link_find(m, l->ifindex);
	bool was_up, up = l->admin_up && l->carrier_up;
	int e;

	if (l->ifindex <= 0)
		return -EINVAL;
	if (!rec) {
		rec = grow_one_indexed(m, &m->link_ix, m->links, m->n_links, &m->cap_links,
				       sizeof(*rec));
		if (!rec)
			return -ENOMEM;
		m->links = rec;
		ix_set(&m->link_ix, (uint32_t)l->ifindex, (uint32_t)m->n_links);
		rec = &m->links[m->n_links++];
		memset(rec, 0, sizeof(*rec));
		rec->link = *l;
		rec->link.name[sizeof(rec->link.name) - 1] = '\0';
		rec->gen = m->gen;
		if (up)
			return 1;
		nhobjs_refresh_flags(m);
		e = attrs_refresh(m, l->ifindex, 0, false);
		if (e < 0) {
			m->n_links--;
			ix_del(&m->link_ix, (uint32_t)l->ifindex);
			nhobjs_refresh_flags(m);
			attrs_refresh(m, l->ifindex, 0, false);
			return e;
		}
		return 1;
	}
	rec->gen = m->gen;
	was_up = rec->link.admin_up && rec->link.carrier_up;
	/* BSD link-state messages carry no name: an empty one keeps the old */
	if (rec->link.admin_up == l->admin_up && rec->link.carrier_up == l->carrier_up &&
	    (!l->name[0] || strncmp(rec->link.name, l->name, sizeof(rec->link.name)) == 0))
		return 0;
	{
		struct rtw_link old = rec->link;

		rec->link = *l;
		if (!l->name[0])
			memcpy(rec->link.name, old.name, sizeof(old.name));
		rec->link.name[sizeof(rec->link.name) - 1] = '\0';
		/* down either way: the hops' flags still follow admin */
		if (was_up == up && old.admin_up == l->admin_up)
			return 1;
		nhobjs_refresh_flags(m);
		e = attrs_refresh(m, l->ifindex, 0, false);
		if (e < 0) {
			rec = link_find(m, l->ifindex);
			rec->link = old;
			nhobjs_refresh_flags(m);
			attrs_refresh(m, l->ifindex, 0, false);
			return e;
		}
	}
	return 1;
}

/* The next live attribute set over nexthop object nhid from id *i on, or
 * NULL; *i moves past it. */
static struct attr *attr_over(const struct model *m, uint32_t nhid, uint32_t *i)
{
	for (; *i < m->n_attrs; (*i)++)
		if (attr_live(m, *i) && m->attrs[*i]->nhid == nhid)
			return m->attrs[(*i)++];
	return NULL;
}

/* Whether attribute set id has hops of its own (no nexthop object) on
 * link *(const int *)arg. */
static bool attr_on_link(const struct model *m, uint32_t id, const void *arg)
{
	unsigned n;

	return attr_live(m, id) && !m->attrs[id]->nhid &&
	       attr_hops_on(m, m->attrs[id], *(const int *)arg, &n) > 0;
}

/* The route in slot, when link *(const int *)arg goes: IPv4 kills the
 * whole route when one of its hops' device goes (fib_sync_down_dev on
 * unregister); IPv6 drops only those hops. Nexthop objects on that link
 * are dropped by their own event. */
static int route_drop(struct model *m, uint32_t slot, const void *arg)
{
	const struct route_rec *r = &m->routes[slot];

	(void)arg;
	return route_delete_slot(m, slot, head_find(m, r->family, r->table, r->addr, r->len));
}

static int route_drop_on(struct model *m, uint32_t slot, const void *arg)
{
	const struct route_rec *r = &m->routes[slot];
	const struct attr *a = m->attrs[r->attr];
	unsigned n, on;

	if (a->nhid)
		return 0;
	on = attr_hops_on(m, a, *(const int *)arg, &n);
	if (!on || (on < n && r->family != AF_INET))
		return 0;
	return route_drop(m, slot, NULL);
}

/* The kernel removes every route through a link that goes away (IPv4 and
 * IPv6 alike), so the model does too, through the normal delete path.
 * Attribute sets are few and routes many: a link no route uses goes without
 * a walk of every route (2 ms on the full table for each veth removed), and
 * one that few use (a VPN's) through their sets' lists. */
static int routes_drop_ifindex(struct model *m, int ifindex)
{
	return routes_of_sets(m, attr_on_link, route_drop_on, &ifindex);
}

static void devconf_del(struct model *m, int ifindex)
{
	struct devconf *d = devconf_find(m, ifindex);

	if (!d)
		return;
	*d = m->devconf[--m->n_devconf];
	ix_moved(&m->devconf_ix, (uint32_t)ifindex, (uint32_t)d->ifindex,
		 (uint32_t)(d - m->devconf));
}

int model_link_gone(struct model *m, int ifindex)
{
	struct link_rec *rec = link_find(m, ifindex), gone;
	bool was_up;
	int e;

	e = routes_drop_ifindex(m, ifindex);
	if (e < 0)
		return e;
	/* the setting goes with the device: a new one with its index is
	 * told its own (before the device, as the kernel orders them) */
	devconf_del(m, ifindex);
	if (!rec)
		return 0;
	was_up = rec->link.admin_up && rec->link.carrier_up;
	gone = *rec;
	*rec = m->links[--m->n_links];
	ix_moved(&m->link_ix, (uint32_t)ifindex, (uint32_t)rec->link.ifindex,
		 (uint32_t)(rec - m->links));
	if (was_up)
		return 1;
	/* Hops left on it (other next hops of a multipath route keep the route)
	 * now go through a link the model does not know, which counts as up:
	 * their flags and the routes' usability must say so too. */
	nhobjs_refresh_flags(m);
	e = attrs_refresh(m, ifindex, 0, false);
	if (e < 0) {
		/* keep the (down) link, so that the resync removes it again; the
		 * index had room for it a moment ago */
		ix_set(&m->link_ix, (uint32_t)ifindex, (uint32_t)m->n_links);
		m->links[m->n_links++] = gone;
		nhobjs_refresh_flags(m);
		return e;
	}
	return 1;
}

/* ---- netconf (Linux) ---------------------------------------------------- */

static struct devconf *devconf_get(struct model *m, int ifindex)
{
	struct devconf *d = devconf_find(m, ifindex);

	if (d)
		return d;
	d = grow_one_indexed(m, &m->devconf_ix, m->devconf, m->n_devconf, &m->cap_devconf,
			     sizeof(*d));
	if (!d)
		return NULL;
	m->devconf = d;
	d += m->n_devconf;
	memset(d, 0, sizeof(*d));
	d->ifindex = ifindex;
	ix_set(&m->devconf_ix, (uint32_t)ifindex, (uint32_t)m->n_devconf++);
	return d;
}

int model_netconf_set(struct model *m, const struct rtw_netconf *nc)
{
	unsigned f = nc->family == AF_INET6;
	bool v = nc->ignore_linkdown, first, old_dflt, old_known = false, old_ignore = false;
	enum rtw_linkdown_policy old_ld;
	struct devconf *d = NULL;
	int e;

	if ((nc->family != AF_INET && nc->family != AF_INET6) ||
	    (nc->ifindex <= 0 && nc->ifindex != RTW_NETCONF_ALL &&
	     nc->ifindex != RTW_NETCONF_DEFAULT))
		return -EINVAL;
	first = !m->ld_follow[f];
	old_dflt = m->ld_dflt[f];
	old_ld = m->linkdown[f];
	/* "all" is the family's policy: until told, what was read at open */
	if (nc->ifindex == RTW_NETCONF_ALL) {
		if (!first && (old_ld == RTW_LINKDOWN_FALLBACK) == v)
			return 0;
		m->linkdown[f] = v ? RTW_LINKDOWN_FALLBACK : RTW_LINKDOWN_FAIL;
	} else if (nc->ifindex == RTW_NETCONF_DEFAULT) {
		if (!first && old_dflt == v)
			return 0;
		m->ld_dflt[f] = v;
	} else {
		d = devconf_get(m, nc->ifindex);
		if (!d)
			return -ENOMEM;
		old_known = d->known[f];
		old_ignore = d->ignore[f];
		if (!first && old_known && old_ignore == v)
			return 0;
		d->known[f] = true;
		d->ignore[f] = v;
	}
	m->ld_follow[f] = true;
	/* the first setting, "all" and the default can change any route */
	e = attrs_refresh(m, first || !d ? 0 : nc->ifindex, 0, false);
	if (e < 0) {
		m->ld_follow[f] = !first;
		m->ld_dflt[f] = old_dflt;
		m->linkdown[f] = old_ld;
		if (d) {
			d->known[f] = old_known;
			d->ignore[f] = old_ignore;
		}
		attrs_refresh(m, 0, 0, false);
		return e;
	}
	return 1;
}

/* ---- addresses -------------------------------------------------------- */

/* Addresses are found by value through addr_ix, whose ids are the
 * addresses' hashes: the same address on several links (or two addresses
 * whose hashes collide) has an entry each, told apart by the record. A
 * host with thousands of addresses (a load balancer's on lo) otherwise
 * scans them all for each address event and for each watch with a local
 * address that it evaluates. */
static uint32_t addr_id(const struct rtw_addr *a)
{
	uint32_t h = hash_bytes((uint32_t)a->family, a->bytes, addr_len(a->family));

	return h ? h : 1; /* 0 marks an empty entry */
}

/* The index entry of ifindex's address a (ifindex < 0: on any link), or
 * SLOT_NONE. */
static uint32_t addr_entry(const struct model *m, int ifindex, const struct rtw_addr *a)
{
	const struct id_index *x = &m->addr_ix;
	uint32_t id = addr_id(a), mask = x->cap - 1, i;

	if (!x->cap)
		return SLOT_NONE;
	for (i = mix32(id) & mask; x->v[i].id; i = (i + 1) & mask) {
		const struct addr_rec *r = &m->addrs[x->v[i].pos];

		if (x->v[i].id == id && (ifindex < 0 || r->addr.ifindex == ifindex) &&
		    addr_eq(&r->addr.prefix.addr, a))
			return i;
	}
	return SLOT_NONE;
}

static struct addr_rec *addr_find(const struct model *m, const struct rtw_address *a)
{
	uint32_t i = addr_entry(m, a->ifindex, &a->prefix.addr);

	return i == SLOT_NONE ? NULL : &m->addrs[m->addr_ix.v[i].pos];
}

bool model_has_local(const struct model *m, const struct rtw_addr *a, int ifindex)
{
	const struct lpm *t;
	unsigned len;
	uint32_t v;

	if (addr_entry(m, ifindex, a) != SLOT_NONE)
		return true;
	/* The kernel takes an address that a local route covers as the
	 * host's own too (__ip_dev_find(): 127.0.0.2 under 127.0.0.0/8, the
	 * ranges of `ip route add local ... dev lo`), the longest prefix of
	 * the local table deciding; not for a scoped link-local one. */
	t = ifindex < 0 ? lpm_of(m, a->family, RTW_TABLE_LOCAL) : NULL;
	v = t ? lpm_lookup(t, a->bytes, &len) : LPM_NONE;
	return v != LPM_NONE && m->attrs[v]->type == RTW_ROUTE_LOCAL;
}

/* Addresses are listed by link too (addr_rec.link_next). ifindex is at
 * least 0 (model_addr_add()), so that its id is not 0, the empty entry. */
static uint32_t link_id(int ifindex)
{
	return (uint32_t)ifindex + 1;
}

/* The first address of link ifindex in addrs[], or SLOT_NONE. */
static uint32_t link_first_addr(const struct model *m, int ifindex)
{
	return ifindex >= 0 ? ix_find(&m->addr_link_ix, link_id(ifindex)) : SLOT_NONE;
}

/* Takes addrs[pos] out of its link's list. */
static void addr_unlink(struct model *m, uint32_t pos)
{
	const struct addr_rec *r = &m->addrs[pos];
	uint32_t prev = r->link_prev, next = r->link_next;

	if (prev != SLOT_NONE)
		m->addrs[prev].link_next = next;
	else if (next != SLOT_NONE)
		ix_set(&m->addr_link_ix, link_id(r->addr.ifindex), next);
	else
		ix_del(&m->addr_link_ix, link_id(r->addr.ifindex));
	if (next != SLOT_NONE)
		m->addrs[next].link_prev = prev;
}

/* The record at pos came from elsewhere in addrs[]: its neighbours learn. */
static void addr_relink(struct model *m, uint32_t pos)
{
	const struct addr_rec *r = &m->addrs[pos];

	if (r->link_prev != SLOT_NONE)
		m->addrs[r->link_prev].link_next = pos;
	else
		ix_set(&m->addr_link_ix, link_id(r->addr.ifindex), pos);
	if (r->link_next != SLOT_NONE)
		m->addrs[r->link_next].link_prev = pos;
}

bool model_link_reaches(const struct model *m, int ifindex, const struct rtw_addr *a)
{
	uint32_t i;

	for (i = link_first_addr(m, ifindex); i != SLOT_NONE; i = m->addrs[i].link_next) {
		const struct rtw_address *x = &m->addrs[i].addr;

		if (x->prefix.addr.family == a->family && prefix_contains(&x->prefix, a))
			return true;
	}
	return false;
}

bool model_links_share_net(const struct model *m, int a, int b, int family)
{
	uint32_t i;

	for (i = link_first_addr(m, b); i != SLOT_NONE; i = m->addrs[i].link_next) {
		const struct rtw_address *y = &m->addrs[i].addr;

		/* every IPv6 link has fe80::/64: no common network */
		if (y->prefix.addr.family != family ||
		    (family == AF_INET6 && addr_linklocal6(y->prefix.addr.bytes)))
			continue;
		if (model_link_reaches(m, a, &y->prefix.addr))
			return true;
	}
	return false;
}

int model_addr_add(struct model *m, const struct rtw_address *a)
{
	struct addr_rec *rec;

	if (a->prefix.addr.family != AF_INET && a->prefix.addr.family != AF_INET6)
		return -EAFNOSUPPORT;
	if (a->ifindex < 0)
		return -EINVAL;
	rec = addr_find(m, a);
	if (rec) {
		rec->gen = m->gen;
		if (rec->addr.prefix.len == a->prefix.len && rec->addr.flags == a->flags)
			return 0;
		rec->addr = *a;
		return 1;
	}
	if (ix_reserve(m, &m->addr_link_ix, m->n_addrs + 1) < 0)
		return -ENOMEM;
	rec = grow_one_indexed(m, &m->addr_ix, m->addrs, m->n_addrs, &m->cap_addrs, sizeof(*rec));
	if (!rec)
		return -ENOMEM;
	m->addrs = rec;
	rec = &m->addrs[m->n_addrs];
	rec->addr = *a;
	rec->gen = m->gen;
	rec->link_prev = SLOT_NONE;
	rec->link_next = link_first_addr(m, a->ifindex);
	if (rec->link_next != SLOT_NONE)
		m->addrs[rec->link_next].link_prev = (uint32_t)m->n_addrs;
	ix_set(&m->addr_link_ix, link_id(a->ifindex), (uint32_t)m->n_addrs);
	ix_add(&m->addr_ix, addr_id(&a->prefix.addr), (uint32_t)m->n_addrs++);
	return 1;
}

bool model_prefsrc_used(const struct model *m, const struct rtw_addr *a)
{
	uint32_t i;

	/* the attribute sets, a few where routes are a million */
	for (i = 0; i < m->n_attrs; i++)
		if (attr_live(m, i) && addr_eq(&m->attrs[i]->prefsrc, a))
			return true;
	return false;
}

int model_addr_del(struct model *m, const struct rtw_address *a)
{
	uint32_t i = addr_entry(m, a->ifindex, &a->prefix.addr), pos, last, e;
	struct addr_rec *rec;

	if (i == SLOT_NONE)
		return 0;
	pos = m->addr_ix.v[i].pos;
	rec = &m->addrs[pos];
	addr_unlink(m, pos);
	last = (uint32_t)--m->n_addrs;
	ix_remove_at(&m->addr_ix, i);
	if (pos != last) {
		/* the last record takes the place of the one that went */
		*rec = m->addrs[last];
		e = ix_entry(&m->addr_ix, addr_id(&rec->addr.prefix.addr), last);
		m->addr_ix.v[e].pos = pos;
		addr_relink(m, pos);
	}
	return 1;
}

/* ---- nexthop objects -------------------------------------------------- */

static void nhobj_free_parts(struct model *m, struct nhobj_rec *o)
{
	mem_free(m->mem, o->group, o->cap_group * sizeof(*o->group));
	mem_free(m->mem, o->hops, o->n_hops * sizeof(*o->hops));
	o->group = NULL;
	o->hops = NULL;
	o->n_group = o->cap_group = o->n_hops = 0;
}

/* Resolve a group's member hops (members are single-hop objects). */
static int nhobj_resolve(struct model *m, struct nhobj_rec *o)
{
	struct rtw_nexthop *v;
	unsigned i, n = 0;

	if (o->blackhole) {
		mem_free(m->mem, o->hops, o->n_hops * sizeof(*o->hops));
		o->hops = NULL;
		o->n_hops = 0;
		return 0;
	}
	v = mem_alloc(m->mem, (o->n_group ? o->n_group : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (!o->n_group) {
		v[n++] = o->hop;
	} else {
		for (i = 0; i < o->n_group; i++) {
			const struct nhobj_rec *mo = nhobj_find(m, o->group[i].id);

			m->nh_missing = m->nh_missing || !mo;
			if (!mo || mo->n_group || mo->blackhole || mo->mark & NH_DYING)
				continue;
			v[n] = mo->hop;
			v[n].weight = o->group[i].weight;
			n++;
		}
		/* a group of one is one path to the kernel, shown with no
		 * weight: 1, "not multipath" (routewatch.h) */
		if (n == 1)
			v[0].weight = 1;
	}
	hops_refresh_flags(m, v, n, false);
	mem_free(m->mem, o->hops, o->n_hops * sizeof(*o->hops));
	o->hops = v;
	o->n_hops = n;
	return 0;
}

static void nhobjs_unmark(struct model *m)
{
	size_t i;

	for (i = 0; i < m->n_nhobjs; i++)
		m->nhobjs[i].mark = 0;
}

/* The groups with member id take its new hops; whether a group still names
 * a member not held (m->nh_missing) is found on the way. */
static int nhobj_resolve_groups_with(struct model *m, uint32_t id)
{
	bool any = false, missing = false;
	size_t i;
	unsigned j;
	int err = 0;

	for (i = 0; i < m->n_nhobjs; i++) {
		struct nhobj_rec *g = &m->nhobjs[i];
		bool in = false;

		for (j = 0; j < g->n_group; j++) {
			in = in || g->group[j].id == id;
			missing = missing || !nhobj_find(m, g->group[j].id);
		}
		if (in) {
			if (nhobj_resolve(m, g) < 0)
				err = -ENOMEM;
			g->mark |= NH_TOUCHED;
			any = true;
		}
	}
	m->nh_missing = missing;
	if (any && attrs_refresh_sel(m, 0, 0, true, true) < 0)
		err = -ENOMEM;
	if (any)
		nhobjs_unmark(m);
	return err;
}

/* Whether a live route over nexthop object nhid is a blackhole route (see
 * MODEL_NHOBJ_REDUMP). */
static bool attrs_blackhole_over(const struct model *m, uint32_t nhid)
{
	const struct attr *a;
	uint32_t i = 0;

	while ((a = attr_over(m, nhid, &i)))
		if (a->type == RTW_ROUTE_BLACKHOLE)
			return true;
	return false;
}

int model_nhobj_add(struct model *m, const struct rtw_nhobj *o)
{
	struct nhobj_rec *rec = nhobj_find(m, o->id), nw, old;
	bool had = rec != NULL, member;
	int e;

	if (!o->id || (o->n_group && !o->group))
		return -EINVAL;
	memset(&old, 0, sizeof(old));
	memset(&nw, 0, sizeof(nw));
	nw.id = o->id;
	nw.family = o->family;
	nw.blackhole = o->blackhole;
	nw.gen = m->gen;
	nw.hop = o->hop;
	if (!nw.hop.weight)
		nw.hop.weight = 1;
	if (o->n_group) {
		nw.group = mem_alloc(m->mem, o->n_group * sizeof(*nw.group));
		if (!nw.group)
			return -ENOMEM;
		memcpy(nw.group, o->group, o->n_group * sizeof(*nw.group));
		nw.n_group = nw.cap_group = o->n_group;
	}
	if (rec && rec->blackhole == nw.blackhole && rec->n_group == nw.n_group &&
	    hop_eq(&rec->hop, &nw.hop) &&
	    (!nw.n_group || !memcmp(rec->group, nw.group, nw.n_group * sizeof(*nw.group)))) {
		rec->gen = m->gen;
		mem_free(m->mem, nw.group, nw.n_group * sizeof(*nw.group));
		return 0;
	}
	/* Resolved before it takes the old one's place, so that a failure
	 * changes nothing (a half-made object would look identical to the
	 * resync's copy, which could then never repair it). */
	e = nhobj_resolve(m, &nw);
	if (e < 0) {
		nhobj_free_parts(m, &nw);
		return e;
	}
	if (!rec) {
		rec = grow_one_indexed(m, &m->nhobj_ix, m->nhobjs, m->n_nhobjs, &m->cap_nhobjs,
				       sizeof(*rec));
		if (!rec) {
			nhobj_free_parts(m, &nw);
			return -ENOMEM;
		}
		m->nhobjs = rec;
		ix_set(&m->nhobj_ix, nw.id, (uint32_t)m->n_nhobjs);
		rec = &m->nhobjs[m->n_nhobjs++];
		memset(rec, 0, sizeof(*rec));
	} else {
		old = *rec; /* its parts are freed once the new one is in */
	}
	*rec = nw;
	e = attrs_refresh(m, 0, nw.id, true);
	if (e < 0) {
		/* Back to the old object (or none): the resync that follows then
		 * sees a change and applies it, with the reports this one missed. */
		if (had) {
			*rec = old;
		} else {
			m->n_nhobjs--;
			ix_del(&m->nhobj_ix, nw.id);
		}
		nhobj_free_parts(m, &nw);
		return e;
	}
	/* groups take their members' hops; a group is never a member (Linux
	 * refuses nested groups, and a single never becomes a group), and a
	 * new single is in none unless some group names a member not held */
	member = had ? !old.n_group : !nw.n_group && m->nh_missing;
	if (had)
		nhobj_free_parts(m, &old);
	if (e == 0 && member)
		e = nhobj_resolve_groups_with(m, nw.id);
	if (e < 0)
		return e;
	return had && old.blackhole && !nw.blackhole && attrs_blackhole_over(m, nw.id)
		   ? MODEL_NHOBJ_REDUMP
		   : 1;
}

/* Whether set id is over an object marked NH_DYING: the set's hint first,
 * as a walk of the routes asks it for each. */
static bool attr_over_dying(const struct model *m, uint32_t id, const void *arg)
{
	const struct nhobj_rec *o;

	(void)arg;
	if (!attr_live(m, id) || !m->attrs[id]->nhid)
		return false;
	o = attr_obj(m, m->attrs[id]);
	return o && o->mark & NH_DYING;
}

/* The routes over an object marked NH_DYING go. -ENOMEM when some could
 * not. */
static int routes_drop_dying(struct model *m)
{
	return routes_of_sets(m, attr_over_dying, route_drop, NULL);
}

/* The kernel deletes the routes that use a removed nexthop object without a
 * message, and removes it from the groups it was in (a group left empty is
 * removed in turn; a member is never a group). This removes every object
 * marked NH_DYING so, all at once: a resync that finds thousands gone, or an
 * object in thousands of groups, costs a walk of the objects and one of the
 * routes, not one each. The marks are cleared. Returns 1, or -ENOMEM: when
 * the routes could not all go, the objects stay (with the routes that did
 * go gone, as in the kernel); otherwise a group whose new hops could not be
 * had keeps its members and hops, which a resync finds different from the
 * kernel's. */
static int nhobjs_drop_marked(struct model *m)
{
	bool touched = false, moved = false;
	size_t i;
	unsigned j, k;
	int err;

	for (i = 0; i < m->n_nhobjs; i++) {
		struct nhobj_rec *g = &m->nhobjs[i];

		if (!g->n_group || g->mark & NH_DYING)
			continue;
		for (j = k = 0; j < g->n_group; j++)
			k += !nhobj_marked(m, g->group[j].id, NH_DYING);
		if (k == 0)
			g->mark |= NH_DYING;
		else if (k < g->n_group)
			g->mark |= NH_TOUCHED;
	}
	err = routes_drop_dying(m);
	if (err < 0) {
		nhobjs_unmark(m);
		return err;
	}
	for (i = 0; i < m->n_nhobjs; i++) {
		struct nhobj_rec *g = &m->nhobjs[i];

		if (!(g->mark & NH_TOUCHED))
			continue;
		/* its hops without the dying members first: on failure the
		 * group stays as it was */
		if (nhobj_resolve(m, g) < 0) {
			g->mark &= (uint8_t)~NH_TOUCHED;
			m->nh_missing = true; /* it keeps naming the members that go */
			err = -ENOMEM;
			continue;
		}
		for (j = k = 0; j < g->n_group; j++)
			if (!nhobj_marked(m, g->group[j].id, NH_DYING))
				g->group[k++] = g->group[j];
		g->n_group = k; /* shrinking in place: cap_group keeps the allocation's size */
		touched = true;
	}
	for (i = 0; i < m->n_nhobjs;) {
		struct nhobj_rec *o = &m->nhobjs[i];
		uint32_t id = o->id;

		if (!(o->mark & NH_DYING)) {
			i++;
			continue;
		}
		nhobj_free_parts(m, o);
		*o = m->nhobjs[--m->n_nhobjs];
		ix_moved(&m->nhobj_ix, id, o->id, (uint32_t)i);
		moved = true;
	}
	/* the sets over objects that moved learn where they are now (their
	 * lookups would find them by id without: slower, not wrong) */
	for (i = 0; moved && i < m->n_attrs; i++)
		if (attr_live(m, (uint32_t)i) && m->attrs[i]->nhid)
			m->attrs[i]->nhpos = ix_find(&m->nhobj_ix, m->attrs[i]->nhid);
	if (touched && attrs_refresh_sel(m, 0, 0, true, true) < 0)
		err = -ENOMEM;
	nhobjs_unmark(m);
	return err < 0 ? err : 1;
}

int model_nhobj_del(struct model *m, uint32_t id)
{
	struct nhobj_rec *rec = nhobj_find(m, id);

	if (!rec)
		return 0;
	rec->mark |= NH_DYING;
	return nhobjs_drop_marked(m);
}

/* ---- resync ----------------------------------------------------------- */

void model_mark_begin(struct model *m)
{
	m->gen++;
}

int model_sweep(struct model *m, const struct sweep_ops *ops)
{
	uint32_t s;
	size_t i;
	int err = 0;

	for (s = 0; s < m->n_slots; s++) {
		struct route_rec *r = &m->routes[s];

		if (r->family && r->gen != m->gen) {
			uint32_t head = head_find(m, r->family, r->table, r->addr, r->len);

			if (route_delete_slot(m, s, head) < 0)
				err = -ENOMEM;
		}
	}
	for (i = 0; i < m->n_nhobjs; i++)
		if (m->nhobjs[i].gen != m->gen)
			m->nhobjs[i].mark |= NH_DYING;
	if (nhobjs_drop_marked(m) < 0)
		err = -ENOMEM;
	for (i = 0; i < m->n_addrs;) {
		if (m->addrs[i].gen != m->gen) {
			struct rtw_address a = m->addrs[i].addr;

			model_addr_del(m, &a);
			if (ops && ops->addr_gone)
				ops->addr_gone(ops->arg, &a);
			continue;
		}
		i++;
	}
	for (i = 0; i < m->n_links;) {
		if (m->links[i].gen != m->gen) {
			struct rtw_link l = m->links[i].link;

			if (model_link_gone(m, l.ifindex) < 0) {
				err = -ENOMEM;
				i++;
				continue;
			}
			if (ops && ops->link_gone)
				ops->link_gone(ops->arg, &l);
			continue;
		}
		i++;
	}
	/* The settings of a device the dump did not list: it went while events
	 * were lost (a device's settings come before the device, so they are
	 * kept until a dump ends). No route goes through it. */
	for (i = 0; i < m->n_devconf;) {
		if (!link_find(m, m->devconf[i].ifindex)) {
			devconf_del(m, m->devconf[i].ifindex);
			continue;
		}
		i++;
	}
	if (m->stale && attrs_mend(m) < 0)
		err = -ENOMEM;
	return err;
}

/* ---- lookup and reading ----------------------------------------------- */

void model_set_policy(struct model *m, const uint32_t *tables6, bool merge_local_main)
{
	size_t i, j;

	m->merge_local_main = merge_local_main;
	m->skip6 = 0;
	if (!tables6) {
		model_plan(m);
		return;
	}
	for (i = 0; i < m->n_tables && i < 64; i++) {
		bool used = false;

		for (j = 0; tables6[j] != UINT32_MAX; j++)
			if (tables6[j] == m->tables[i])
				used = true;
		if (!used)
			m->skip6 |= (uint64_t)1 << i;
	}
	model_plan(m);
}

const struct rtw_nexthop *model_attr_hops(const struct model *m, const struct attr *a,
					  unsigned *ret_n)
{
	return attr_hops(m, a, ret_n);
}

/* Slot s of before model_relayout() as it is numbered after (s past the
 * old slots: an unused link, kept). */
static inline uint32_t slot_moved(const uint32_t *map, uint32_t n, uint32_t s)
{
	return s < n ? map[s] : s;
}

void model_relayout(struct model *m)
{
	uint32_t n = m->n_slots, cap = 0, room, *map, *inv, s, t, b, k;
	struct route_rec *v;

	for (s = 0; s < n; s++)
		cap += m->routes[s].family != 0;
	if (!m->n_buckets || !cap)
		return;
	/* the room the array had (cap <= n <= cap_slots): an array cut to
	 * cap would be copied whole by the first add after the start (38 MB
	 * on a full table); pages never written cost no memory */
	room = m->cap_slots;
	map = mem_alloc(m->mem, (size_t)n * sizeof(*map));
	inv = mem_alloc(m->mem, (size_t)cap * sizeof(*inv));
	v = mem_alloc(m->mem, (size_t)room * sizeof(*v));
	if (!map || !inv || !v) {
		/* only speed is lost: the records stay where they are */
		mem_free(m->mem, map, (size_t)n * sizeof(*map));
		mem_free(m->mem, inv, (size_t)cap * sizeof(*inv));
		mem_free(m->mem, v, (size_t)room * sizeof(*v));
		return;
	}
	for (s = 0; s < n; s++)
		map[s] = SLOT_NONE;
	for (t = 0; t < cap; t++)
		inv[t] = SLOT_NONE;
	/* each bucket's heads (its ways' first) to the free slots of its home
	 * window, those that a bucket before it left */
	for (b = 0; b < m->n_buckets && 2 * (size_t)b < cap; b++) {
		const struct bucket *bk = &m->buckets[b];
		uint32_t h[HOME_SLOTS], nh = 0;

		for (k = 0; k < BKT_WAYS && nh < HOME_SLOTS; k++)
			if ((s = bkt_first(bk->way[k])) != SLOT_NONE)
				h[nh++] = s;
		for (s = bkt_first(bk->chain); s != SLOT_NONE && nh < HOME_SLOTS;
		     s = m->routes[s].hnext)
			h[nh++] = s;
		for (k = 0, t = 2 * b; k < nh && t < 2 * b + HOME_SLOTS && t < cap; t++) {
			if (inv[t] != SLOT_NONE)
				continue;
			map[h[k]] = t;
			inv[t] = h[k++];
		}
	}
	/* everything else, in its order, into the slots left */
	for (s = 0, t = 0; s < n; s++) {
		if (!m->routes[s].family || map[s] != SLOT_NONE)
			continue;
		while (inv[t] != SLOT_NONE)
			t++;
		map[s] = t;
		inv[t] = s;
	}
	for (t = 0; t < cap; t++) {
		v[t] = m->routes[inv[t]];
		v[t].next = slot_moved(map, n, v[t].next);
		v[t].hnext = slot_moved(map, n, v[t].hnext);
	}
	for (b = 0; b < m->n_buckets; b++) {
		struct bucket *bk = &m->buckets[b];

		for (k = 0; k < BKT_WAYS; k++)
			if ((s = bkt_first(bk->way[k])) != SLOT_NONE)
				bk->way[k] = (bk->way[k] & ~BKT_SLOT_MASK) | map[s];
		if ((s = bkt_first(bk->chain)) != SLOT_NONE)
			bk->chain = (bk->chain & ~BKT_SLOT_MASK) | map[s];
	}
	for (k = 0; k < m->n_attrs; k++) {
		struct attr *a;
		unsigned i;

		if (!attr_live(m, k) || (a = m->attrs[k])->many)
			continue;
		for (i = 0; i < a->n_slots; i++)
			a->slots[i] = map[a->slots[i]];
	}
	mem_free(m->mem, m->routes, (size_t)m->cap_slots * sizeof(*m->routes));
	m->routes = v;
	m->n_slots = cap;
	m->cap_slots = room;
	m->free_slot = SLOT_NONE;
	mem_free(m->mem, map, (size_t)n * sizeof(*map));
	mem_free(m->mem, inv, (size_t)cap * sizeof(*inv));
}

bool model_route_uses_link(const struct model *m, uint32_t slot, int ifindex)
{
	return model_route_hop_on(m, slot, ifindex) != NULL;
}

const struct rtw_nexthop *model_route_hop_on(const struct model *m, uint32_t slot, int ifindex)
{
	unsigned n, i;
	const struct rtw_nexthop *h = attr_hops(m, m->attrs[m->routes[slot].attr], &n);

	for (i = 0; i < n; i++)
		if (h[i].ifindex == ifindex)
			return &h[i];
	return NULL;
}

int model_lookup_oif(const struct model *m, int family, const uint8_t *key, int oif,
		     struct lookup_res *ret)
{
	const struct lookup_plan *p = family == AF_INET ? &m->plan4 : &m->plan6;
	unsigned i, len, n, bits = family == AF_INET ? 32 : 128;

	for (i = 0; i < p->n; i++)
		for (len = bits + 1; len-- > 0;) {
			struct rtw_prefix px;
			uint32_t s;
			bool thrown = false;

			memset(&px, 0, sizeof(px));
			px.addr.family = (sa_family_t)family;
			memcpy(px.addr.bytes, key, bits / 8);
			px.len = (uint8_t)len;
			prefix_mask(&px);
			s = head_find(m, family, p->table[i], px.addr.bytes, px.len);
			if (family == AF_INET6) {
				/* IPv6 takes routes via oif only */
				s = chain_pick(m, s, SLOT_NONE, oif);
				if (s == SLOT_NONE)
					continue;
				ret->attr = m->routes[s].attr;
				ret->table = p->table[i];
				ret->len = len;
				return model_attr_verdict(m->attrs[ret->attr]);
			}
			/* by TOS, then metric: the first that fits decides */
			for (; s != SLOT_NONE; s = m->routes[s].next) {
				const struct attr *a = m->attrs[m->routes[s].attr];

				if (!route_counts(a, family))
					continue;
				/* IPv4's fib_table_lookup() answers a reject
				 * route's error, and a throw's, before it looks
				 * at next hops */
				if (a->type == RTW_ROUTE_THROW) {
					thrown = true;
					break;
				}
				if (!attr_hops_on(m, a, oif, &n) && !is_unroutable_type(a->type))
					continue;
				ret->attr = m->routes[s].attr;
				ret->table = p->table[i];
				ret->len = len;
				return model_attr_verdict(a);
			}
			if (thrown)
				break;
		}
	ret->attr = SLOT_NONE;
	ret->table = 0;
	ret->len = 0;
	return -ENETUNREACH;
}

uint32_t model_res_slot(const struct model *m, const struct rtw_addr *a,
			const struct lookup_res *res)
{
	struct rtw_prefix p;
	uint32_t s;

	if (res->attr == SLOT_NONE)
		return SLOT_NONE;
	p.addr = *a;
	p.len = (uint8_t)res->len;
	prefix_mask(&p);
	for (s = head_find(m, a->family, res->table, p.addr.bytes, p.len); s != SLOT_NONE;
	     s = m->routes[s].next)
		if (m->routes[s].attr == res->attr)
			return s;
	return SLOT_NONE;
}

void model_route_fill(const struct model *m, uint32_t slot, struct rtw_route *ret)
{
	model_route_fill_as(m, slot, m->routes[slot].attr, ret);
}

void model_route_fill_as(const struct model *m, uint32_t slot, uint32_t attr, struct rtw_route *ret)
{
	const struct route_rec *r = &m->routes[slot];
	const struct attr *a = m->attrs[attr];

	memset(ret, 0, sizeof(*ret));
	ret->dst.addr.family = r->family;
	memcpy(ret->dst.addr.bytes, r->addr, addr_len(r->family));
	ret->dst.len = r->len;
	ret->table = r->table;
	model_fill_attr(m, a, ret);
}

const struct rtw_addr *model_route_prefsrc(const struct model *m, uint32_t slot)
{
	return &m->attrs[m->routes[slot].attr]->prefsrc;
}

bool model_route_usable(const struct model *m, uint32_t slot)
{
	return m->attrs[m->routes[slot].attr]->usable;
}

/* The first of n hops that carries traffic (an up link), else the first. */
static const struct rtw_nexthop *hops_egress(const struct rtw_nexthop *h, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (!(h[i].flags & (RTW_NH_LINKDOWN | RTW_NH_DEAD)))
			return &h[i];
	return n ? &h[0] : NULL;
}

static const struct rtw_nexthop *attr_egress(const struct model *m, const struct attr *a)
{
	unsigned n;
	const struct rtw_nexthop *h = attr_hops(m, a, &n);

	return hops_egress(h, n);
}

const struct rtw_nexthop *model_route_egress(const struct model *m, uint32_t slot, unsigned *ret_n)
{
	const struct rtw_nexthop *h = attr_hops(m, m->attrs[m->routes[slot].attr], ret_n);

	return hops_egress(h, *ret_n);
}

/* The /1 of half h, else the /0, of the first table of the plan that decides
 * it, as a lookup of an address of that half that nothing longer covers
 * would find it (a throw passes on). A VPN that adds 0.0.0.0/1 and
 * 128.0.0.0/1 (OpenVPN's def1) over the default it leaves in place takes
 * the host's traffic as a default of its own would. */
void model_default_route(const struct model *m, int family, unsigned h, struct model_default *ret)
{
	const struct lookup_plan *p = family == AF_INET ? &m->plan4 : &m->plan6;
	static const uint8_t any[16];
	uint8_t half[16] = { 0 };
	unsigned i;

	half[0] = h ? 0x80 : 0;
	memset(ret, 0, sizeof(*ret));
	for (i = 0; i < p->n; i++) {
		uint32_t v = lpm_get(p->lpm[i], half, 1);
		const struct attr *a;
		const struct rtw_nexthop *hop;

		if (v == LPM_NONE)
			v = lpm_get(p->lpm[i], any, 0);
		if (v == LPM_NONE || m->attrs[v]->type == RTW_ROUTE_THROW)
			continue;
		a = m->attrs[v];
		ret->table = p->table[i];
		ret->type = a->type;
		ret->usable = a->usable;
		hop = attr_egress(m, a);
		if (hop) {
			ret->ifindex = hop->ifindex;
			ret->gateway = hop->gateway;
		}
		return;
	}
}

/* How many routes come before slot in its (table, prefix) chain. */
static unsigned chain_pos(const struct model *m, uint32_t slot)
{
	const struct route_rec *r = &m->routes[slot];
	uint32_t s = head_find(m, r->family, r->table, r->addr, r->len);
	unsigned i = 0;

	for (; s != SLOT_NONE && s != slot; s = m->routes[s].next)
		i++;
	return i;
}

/* An in-place quicksort with the model as context (qsort_r differs between
 * glibc and the BSDs). */
static int slot_cmp(const struct model *m, uint32_t x, uint32_t y)
{
	const struct route_rec *a = &m->routes[x], *b = &m->routes[y];
	const struct attr *aa = m->attrs[a->attr], *ba = m->attrs[b->attr];
	int c;

	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	c = memcmp(a->addr, b->addr, 16);
	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (aa->tos != ba->tos)
		return aa->tos < ba->tos ? -1 : 1;
	if (aa->metric != ba->metric)
		return aa->metric < ba->metric ? -1 : 1;
	if (rec_disc(m, a) != rec_disc(m, b))
		return rec_disc(m, a) < rec_disc(m, b) ? -1 : 1;
	if (x == y)
		return 0;
	/* routes the kernel keeps under one key (IPv4 append and prepend, IPv6
	 * copies): in its order, that of the chain, which is also the order in
	 * which they answer lookups. Rare, so the chain is walked here. */
	return chain_pos(m, x) < chain_pos(m, y) ? -1 : 1;
}

static void slots_sort(const struct model *m, uint32_t *v, size_t n)
{
	while (n > 16) {
		uint32_t pivot = v[n / 2], t;
		size_t i = 0, j = n - 1;

		for (;;) {
			while (slot_cmp(m, v[i], pivot) < 0)
				i++;
			while (slot_cmp(m, v[j], pivot) > 0)
				j--;
			if (i >= j)
				break;
			t = v[i];
			v[i] = v[j];
			v[j] = t;
			i++;
			j--;
		}
		/* recurse into the smaller side, loop on the larger */
		if (j + 1 < n - j - 1) {
			slots_sort(m, v, j + 1);
			v += j + 1;
			n -= j + 1;
		} else {
			slots_sort(m, v + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		uint32_t x = v[i];
		size_t j = i;

		while (j > 0 && slot_cmp(m, v[j - 1], x) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

int model_foreach_route(const struct model *m, int (*fn)(void *arg, uint32_t slot), void *arg)
{
	uint32_t *v, s;
	size_t n = 0, i;
	int r = 0;

	if (!m->n_routes)
		return 0;
	v = mem_alloc(m->mem, m->n_routes * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (s = 0; s < m->n_slots; s++)
		if (m->routes[s].family)
			v[n++] = s;
	slots_sort(m, v, n);
	for (i = 0; i < n && !r; i++)
		r = fn(arg, v[i]);
	mem_free(m->mem, v, m->n_routes * sizeof(*v));
	return r;
}

/* ---- life cycle ------------------------------------------------------- */

int model_init(struct model *m, struct rtw_mem *mem, const uint32_t *tables, size_t n_tables,
	       enum rtw_linkdown_policy linkdown)
{
	size_t i, n = n_tables ? n_tables : 1;

	memset(m, 0, sizeof(*m));
	m->mem = mem;
	model_set_linkdown(m, AF_INET, linkdown);
	model_set_linkdown(m, AF_INET6, linkdown);
	m->free_slot = SLOT_NONE;
	m->free_attr = SLOT_NONE;
	m->n_tables = n_tables;
	m->tables = mem_calloc(mem, n, sizeof(*m->tables));
	m->lpm4 = mem_calloc(mem, n, sizeof(*m->lpm4));
	m->lpm6 = mem_calloc(mem, n, sizeof(*m->lpm6));
	m->plan4.lpm = mem_calloc(mem, n, sizeof(*m->plan4.lpm));
	m->plan6.lpm = mem_calloc(mem, n, sizeof(*m->plan6.lpm));
	m->plan4.table = mem_calloc(mem, n, sizeof(*m->plan4.table));
	m->plan6.table = mem_calloc(mem, n, sizeof(*m->plan6.table));
	if (!m->tables || !m->lpm4 || !m->lpm6 || !m->plan4.lpm || !m->plan6.lpm ||
	    !m->plan4.table || !m->plan6.table)
		goto fail;
	for (i = 0; i < n_tables; i++) {
		m->tables[i] = tables[i];
		m->lpm4[i] = lpm_new(32, mem);
		m->lpm6[i] = lpm_new(128, mem);
		if (!m->lpm4[i] || !m->lpm6[i])
			goto fail;
	}
	return 0;
fail:
	model_fini(m);
	return -ENOMEM;
}

uint32_t model_bucket_of(const struct model *m, int family, uint32_t table, const uint8_t *addr,
			 unsigned len)
{
	return m->n_buckets ? key_hash(family, table, addr, len) & (m->n_buckets - 1) : 0;
}

void model_set_linkdown(struct model *m, int family, enum rtw_linkdown_policy p)
{
	m->linkdown[family == AF_INET6] =
	    p == RTW_LINKDOWN_FAIL ? RTW_LINKDOWN_FAIL : RTW_LINKDOWN_FALLBACK;
}

enum rtw_linkdown_policy model_linkdown(const struct model *m, int family)
{
	return m->linkdown[family == AF_INET6];
}

void model_set_index_min(struct model *m, size_t n)
{
	size_t i;

	for (i = 0; i < m->n_tables; i++) {
		lpm_set_top_min(m->lpm4[i], n);
		lpm_set_top_min(m->lpm6[i], n);
	}
}

void model_fini(struct model *m)
{
	size_t i;

	size_t n = m->n_tables ? m->n_tables : 1;

	for (i = 0; i < m->n_tables; i++) {
		if (m->lpm4)
			lpm_free(m->lpm4[i]);
		if (m->lpm6)
			lpm_free(m->lpm6[i]);
	}
	for (i = 0; i < m->n_attrs; i++)
		if (attr_live(m, i))
			attr_free(m, m->attrs[i]);
	for (i = 0; i < m->n_nhobjs; i++)
		nhobj_free_parts(m, &m->nhobjs[i]);
	mem_free(m->mem, m->attrs, m->cap_attrs * sizeof(*m->attrs));
	mem_free(m->mem, m->attr_index, m->n_attr_index * sizeof(*m->attr_index));
	mem_free(m->mem, m->routes, m->cap_slots * sizeof(*m->routes));
	mem_free(m->mem, m->buckets, m->n_buckets * sizeof(*m->buckets));
	mem_free(m->mem, m->links, m->cap_links * sizeof(*m->links));
	mem_free(m->mem, m->addrs, m->cap_addrs * sizeof(*m->addrs));
	mem_free(m->mem, m->addr_ix.v, m->addr_ix.cap * sizeof(*m->addr_ix.v));
	mem_free(m->mem, m->addr_link_ix.v, m->addr_link_ix.cap * sizeof(*m->addr_link_ix.v));
	mem_free(m->mem, m->nhobjs, m->cap_nhobjs * sizeof(*m->nhobjs));
	mem_free(m->mem, m->link_ix.v, m->link_ix.cap * sizeof(*m->link_ix.v));
	mem_free(m->mem, m->devconf, m->cap_devconf * sizeof(*m->devconf));
	mem_free(m->mem, m->devconf_ix.v, m->devconf_ix.cap * sizeof(*m->devconf_ix.v));
	mem_free(m->mem, m->nhobj_ix.v, m->nhobj_ix.cap * sizeof(*m->nhobj_ix.v));
	mem_free(m->mem, m->tables, n * sizeof(*m->tables));
	mem_free(m->mem, m->lpm4, n * sizeof(*m->lpm4));
	mem_free(m->mem, m->lpm6, n * sizeof(*m->lpm6));
	mem_free(m->mem, m->plan4.lpm, n * sizeof(*m->plan4.lpm));
	mem_free(m->mem, m->plan6.lpm, n * sizeof(*m->plan6.lpm));
	mem_free(m->mem, m->plan4.table, n * sizeof(*m->plan4.table));
	mem_free(m->mem, m->plan6.table, n * sizeof(*m->plan6.table));
	memset(m, 0, sizeof(*m));
}
