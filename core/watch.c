/* core/watch.c: the watch registry. Owns watches and their four indexes
 * (by peer, by local address, by route, by egress link) so that a change
 * finds the watches it affects in O(log n + affected), never by a sweep. */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "ctx.h"

/* ---- treap ----------------------------------------------------------- */

void windex_key_addr(uint8_t key[17], const struct rtw_addr *a)
{
	key[0] = (uint8_t)a->family;
	memcpy(key + 1, a->bytes, 16);
}

void windex_key_num(uint8_t key[17], uint32_t v)
{
	memset(key, 0, 17);
	key[1] = (uint8_t)(v >> 24);
	key[2] = (uint8_t)(v >> 16);
	key[3] = (uint8_t)(v >> 8);
	key[4] = (uint8_t)v;
}

static int node_cmp(const struct wnode *a, const struct wnode *b)
{
	int c = memcmp(a->key, b->key, 17);

	if (c)
		return c;
	return a < b ? -1 : a > b ? 1 : 0;
}

static struct wnode *rot_right(struct wnode *t)
{
	struct wnode *l = t->l;

	t->l = l->r;
	l->r = t;
	return l;
}

static struct wnode *rot_left(struct wnode *t)
{
	struct wnode *r = t->r;

	t->r = r->l;
	r->l = t;
	return r;
}

static struct wnode *tr_insert(struct wnode *t, struct wnode *n)
{
	if (!t)
		return n;
	if (node_cmp(n, t) < 0) {
		t->l = tr_insert(t->l, n);
		if (t->l->prio > t->prio)
			t = rot_right(t);
	} else {
		t->r = tr_insert(t->r, n);
		if (t->r->prio > t->prio)
			t = rot_left(t);
	}
	return t;
}

static struct wnode *tr_merge(struct wnode *a, struct wnode *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (a->prio > b->prio) {
		a->r = tr_merge(a->r, b);
		return a;
	}
	b->l = tr_merge(a, b->l);
	return b;
}

static struct wnode *tr_remove(struct wnode *t, struct wnode *n)
{
	int c;

	if (!t)
		return NULL;
	c = node_cmp(n, t);
	if (c == 0)
		return tr_merge(t->l, t->r);
	if (c < 0)
		t->l = tr_remove(t->l, n);
	else
		t->r = tr_remove(t->r, n);
	return t;
}

static uint32_t next_prio(struct rtw_ctx *c)
{
	/* xorshift32: per context, so there is no global state */
	uint32_t x = c->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	c->rng = x;
	return x;
}

static struct rtw_watch *watch_of(struct wnode *n, enum windex i)
{
	return (struct rtw_watch *)((char *)(n - i) - offsetof(struct rtw_watch, node));
}

void windex_insert(struct rtw_ctx *c, enum windex i, struct rtw_watch *w, const uint8_t key[17])
{
	struct wnode *n = &w->node[i];

	if (n->linked)
		windex_remove(c, i, w);
	n->l = n->r = NULL;
	n->prio = next_prio(c);
	memcpy(n->key, key, 17);
	c->root[i] = tr_insert(c->root[i], n);
	n->linked = true;
}

void windex_remove(struct rtw_ctx *c, enum windex i, struct rtw_watch *w)
{
	struct wnode *n = &w->node[i];

	if (!n->linked)
		return;
	c->root[i] = tr_remove(c->root[i], n);
	n->linked = false;
}

static void mark(struct rtw_ctx *c, struct rtw_watch *w, bool removed, bool link)
{
	if (w->fired || w->deleted)
		return;
	if (!w->cand) {
		w->cand = true;
		w->cand_next = c->cands;
		c->cands = w;
	}
	w->cand_removed |= removed;
	w->cand_link |= link;
}

static void tr_range(struct rtw_ctx *c, struct wnode *t, enum windex i, const uint8_t *lo,
		     const uint8_t *hi, bool removed, bool link)
{
	while (t) {
		int clo = memcmp(t->key, lo, 17), chi = memcmp(t->key, hi, 17);

		if (clo >= 0 && chi <= 0)
			mark(c, watch_of(t, i), removed, link);
		if (clo >= 0)
			tr_range(c, t->l, i, lo, hi, removed, link);
		if (chi > 0)
			return;
		t = t->r;
	}
}

void windex_mark_range(struct rtw_ctx *c, enum windex i, const uint8_t lo[17], const uint8_t hi[17],
		       bool removed, bool link)
{
	tr_range(c, c->root[i], i, lo, hi, removed, link);
}

/* ---- resolving ---------------------------------------------------------- */

static void watch_unindex_path(struct rtw_ctx *c, struct rtw_watch *w)
{
	windex_remove(c, WI_ROUTE, w);
	windex_remove(c, WI_LINK, w);
}

/* Record the path the watch resolves to now and index it by route and link.
 * Returns the reason it is not routable, or RTW_REASON_NONE. */
/* The route w's peer takes in the model now (SLOT_NONE: none), and in
 * *ret_r what the lookup returned. */
static uint32_t peer_slot(const struct model *m, const struct rtw_watch *w, int *ret_r)
{
	struct lookup_res res;

	*ret_r = model_lookup_on(m, w->peer.family, w->peer.bytes, w->scope, &res);
	return model_res_slot(m, &w->peer, &res);
}

static enum rtw_reason watch_path(struct rtw_ctx *c, struct rtw_watch *w)
{
	uint8_t key[17];
	int r;
	uint32_t slot = peer_slot(&c->model, w, &r);
	const struct rtw_nexthop *nh = NULL;
	unsigned n_hops;

	watch_unindex_path(c, w);
	w->slot = slot;
	w->egress = 0;
	w->multipath = false;
	memset(&w->gateway, 0, sizeof(w->gateway));
	memset(&w->prefsrc, 0, sizeof(w->prefsrc));
	if (slot != SLOT_NONE) {
		windex_key_num(key, slot);
		windex_insert(c, WI_ROUTE, w, key);
		nh = model_route_egress(&c->model, slot, &n_hops);
		w->multipath = n_hops > 1;
		w->prefsrc = *model_route_prefsrc(&c->model, slot);
		/* reached through one device: its packets leave there, over
		 * whichever path of the route is on it */
		if (w->scope && n_hops > 1) {
			const struct rtw_nexthop *on =
			    model_route_hop_on(&c->model, slot, w->scope);

			if (on)
				nh = on;
		}
		if (nh) {
			w->egress = nh->ifindex;
			w->gateway = nh->gateway;
			if (nh->ifindex > 0) {
				windex_key_num(key, (uint32_t)nh->ifindex);
				windex_insert(c, WI_LINK, w, key);
			}
		}
	}
	if (w->has_local &&
	    !model_has_local(&c->model, &w->local, w->local_scope ? w->local_scope : -1))
		return RTW_REASON_LOCAL_ADDRESS_REMOVED;
	if (r == -ENETUNREACH)
		return RTW_REASON_NO_ROUTE;
	if (r == -EHOSTUNREACH)
		return model_route_usable(&c->model, slot) ? RTW_REASON_UNREACHABLE
							   : RTW_REASON_LINK_DOWN;
	/* a multipath route stays usable over its other paths, but not for
	 * a socket held to the device that lost its carrier */
	if (w->scope && nh && (nh->flags & (RTW_NH_LINKDOWN | RTW_NH_DEAD)))
		return RTW_REASON_LINK_DOWN;
	return RTW_REASON_NONE;
}

/* Initial resolution: no callback, whatever the result. */
void watch_resolve(struct rtw_ctx *c, struct rtw_watch *w)
{
	w->state = watch_path(c, w);
}

/* Whether w's path, valid before and after, now leaves by another link than
 * the one its source address is on, into a network that does not hold that
 * address. The connection's packets then go out with a source that the new
 * network does not route back (a NAT rewrites it, a provider drops it):
 * dead, though every route is valid. So a default route replaced onto
 * another device, or a VPN's routes taking the traffic over (OpenVPN's /1
 * halves), fire without RTW_WATCH_PATH_CHANGE; a new gateway on the same
 * link does not, nor a move between two links into one network (Wi-Fi and
 * Ethernet to the same router: the replies still find the address). A
 * source on neither link (a router's loopback address) keeps working, as
 * the host routes it over any link. Without a local address the source is
 * the old route's preferred one, else one the kernel chose on the old link
 * (its source selection prefers the egress device's). Among the legs of a
 * multipath route the kernel moves flows by a hash the model does not
 * follow: not judged. */
static bool left_local_link(const struct model *m, const struct rtw_watch *w, int old_egress,
			    bool was_multipath, const struct rtw_addr *old_prefsrc)
{
	const struct rtw_addr *src = w->has_local ? &w->local : old_prefsrc;

	if (old_egress <= 0 || w->egress <= 0 || w->egress == old_egress || was_multipath ||
	    w->multipath)
		return false;
	if (src->family == AF_UNSPEC)
		return !model_links_share_net(m, old_egress, w->egress, w->peer.family);
	return model_has_local(m, src, old_egress) && !model_has_local(m, src, w->egress) &&
	       !model_link_reaches(m, w->egress, src);
}

/* Re-evaluate one candidate after a change. Returns the reason to fire, or
 * RTW_REASON_NONE. */
static enum rtw_reason watch_reevaluate(struct rtw_ctx *c, struct rtw_watch *w)
{
	uint32_t old_slot = w->slot;
	int old_egress = w->egress;
	bool was_multipath = w->multipath;
	struct rtw_addr old_prefsrc = w->prefsrc;
	struct rtw_addr old_gw = w->gateway;
	enum rtw_reason now = watch_path(c, w);
	bool moved;

	if (w->state != RTW_REASON_NONE) {
		/* never valid yet: it becomes valid silently, or stays invalid */
		w->state = now;
		return RTW_REASON_NONE;
	}
	if (now != RTW_REASON_NONE) {
		if (now == RTW_REASON_NO_ROUTE && w->cand_link)
			return RTW_REASON_LINK_DOWN;
		return now;
	}
	moved = w->slot != old_slot;
	if (w->cand_link && moved)
		return RTW_REASON_LINK_DOWN;
	/* the route it used went; one that sends it the same way (one path,
	 * same link and gateway: a metric changed, a VPN server's own route
	 * gone back to the default) keeps the connection */
	if (w->cand_removed && (was_multipath || w->multipath || old_egress <= 0 ||
				w->egress != old_egress || !addr_eq(&w->gateway, &old_gw)))
		return RTW_REASON_ROUTE_REMOVED;
	if ((moved || w->egress != old_egress || !addr_eq(&w->gateway, &old_gw)) &&
	    (w->flags & RTW_WATCH_PATH_CHANGE))
		return RTW_REASON_PATH_CHANGED;
	if (left_local_link(&c->model, w, old_egress, was_multipath, &old_prefsrc))
		return RTW_REASON_PATH_CHANGED;
	return RTW_REASON_NONE;
}

static void watch_unindex_all(struct rtw_ctx *c, struct rtw_watch *w)
{
	enum windex i;

	for (i = 0; i < WI_MAX; i++)
		windex_remove(c, i, w);
}

static uint16_t sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)ss)->sin_port;
	if (ss->ss_family == AF_INET6)
		return ((const struct sockaddr_in6 *)(const void *)ss)->sin6_port;
	return 0;
}

/* Whether w's descriptor is still the socket it watches: an application that
 * closed it without deleting the watch may have the number back for another
 * connection, which must not be shut down. Same peer, same ports. */
static bool socket_is_watched(const struct rtw_watch *w)
{
	struct sockaddr_storage ps, ls;
	socklen_t plen = sizeof(ps), llen = sizeof(ls);
	struct rtw_addr p;

	if (getpeername(w->fd, (struct sockaddr *)&ps, &plen) < 0 ||
	    addr_from_sockaddr((struct sockaddr *)&ps, &p) < 0 || !addr_eq(&p, &w->peer) ||
	    sockaddr_port(&ps) != w->peer_port)
		return false;
	return getsockname(w->fd, (struct sockaddr *)&ls, &llen) == 0 &&
	       sockaddr_port(&ls) == w->local_port;
}

/* Evaluate the candidates gathered while one event was applied, then call
 * the callbacks. Callbacks may add and delete watches: deleted ones stay in
 * memory (the graveyard) until the outermost call is over. */
void engine_evaluate(struct rtw_ctx *c, enum rtw_event_type why)
{
	struct rtw_watch *w, *fire = NULL, **tail = &fire;

	(void)why;
	while ((w = c->cands)) {
		enum rtw_reason r = RTW_REASON_NONE;

		c->cands = w->cand_next;
		if (!w->fired && !w->deleted)
			r = watch_reevaluate(c, w);
		w->cand = w->cand_removed = w->cand_link = false;
		if (r == RTW_REASON_NONE)
			continue;
		w->state = r;
		w->fired = true;
		watch_unindex_all(c, w);
		w->fire_next = NULL;
		*tail = w;
		tail = &w->fire_next;
	}
	for (w = fire; w; w = w->fire_next) {
		/* a callback freed the context: the rest are freed with it
		 * without being called (their user data may be gone too) */
		if (w->deleted || c->freeing)
			continue;
		c->stats.invalidations++;
		if (w->fd >= 0 && (w->flags & RTW_WATCH_SHUTDOWN) && socket_is_watched(w))
			shutdown(w->fd, SHUT_RDWR);
		if (w->cb)
			w->cb(w, w->state, w->user);
	}
}

/* ---- public API ------------------------------------------------------- */

static struct rtw_watch *watch_new(struct rtw_ctx *c, const struct rtw_addr *peer, int scope,
				   const struct rtw_addr *local, int local_scope, unsigned flags,
				   rtw_watch_cb *cb, void *user, int fd)
{
	static const uint8_t any[16];
	struct rtw_watch *w;
	uint8_t key[17];

	/* the wildcard address (a socket bound to no address of its own)
	 * names no local address to follow */
	if (local && memcmp(local->bytes, any, sizeof(any)) == 0)
		local = NULL;
	/* no socket has an IPv6 source and an IPv4 peer (v4-mapped ones are
	 * IPv4 by now): such a watch could only ever say that its local
	 * address is gone */
	if ((flags & ~(unsigned)(RTW_WATCH_PATH_CHANGE | RTW_WATCH_SHUTDOWN)) ||
	    (local && local->family != peer->family)) {
		errno = EINVAL;
		return NULL;
	}
	w = mem_calloc(&c->mem, 1, sizeof(*w));
	if (!w) {
		errno = ENOMEM;
		return NULL;
	}
	w->ctx = c;
	w->peer = *peer;
	w->scope = scope;
	if (local) {
		w->local = *local;
		w->has_local = true;
		/* a link-local source given without its scope id is on the
		 * interface of the peer it talks to */
		w->local_scope = local_scope;
		if (!local_scope && local->family == AF_INET6 && addr_linklocal6(local->bytes))
			w->local_scope = scope;
	}
	w->flags = flags;
	w->cb = cb;
	w->user = user;
	w->fd = fd;
	w->slot = SLOT_NONE;
	windex_key_addr(key, peer);
	windex_insert(c, WI_PEER, w, key);
	if (local) {
		windex_key_addr(key, local);
		windex_insert(c, WI_LOCAL, w, key);
	}
	w->next = c->watches;
	if (c->watches)
		c->watches->prev = w;
	c->watches = w;
	c->n_watches++;
	c->n_scoped += scope != 0;
	/* Before the initial dump has ended there is nothing to resolve against:
	 * the end of the dump resolves every watch. */
	if (c->started && !c->coldplug)
		watch_resolve(c, w);
	else
		w->state = RTW_REASON_NO_ROUTE;
	return w;
}

struct rtw_watch *rtw_watch_add(struct rtw_ctx *c, const struct sockaddr *peer,
				const struct sockaddr *local, unsigned flags, rtw_watch_cb *cb,
				void *user)
{
	struct rtw_addr p, l;
	int r;

	if (!c || !peer) {
		errno = EINVAL;
		return NULL;
	}
	r = addr_from_sockaddr(peer, &p);
	if (r == 0 && local)
		r = addr_from_sockaddr(local, &l);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	addr_as_peer(&p);
	if (flags & RTW_WATCH_SHUTDOWN) {
		errno = EINVAL; /* there is no socket to shut down */
		return NULL;
	}
	return watch_new(c, &p, addr_scope(peer), local ? &l : NULL, addr_scope(local), flags, cb,
			 user, -1);
}

/* The device fd is bound to (SO_BINDTODEVICE, SO_BINDTOIFINDEX), else 0:
 * its packets leave there whatever the routes to other devices say. */
static int socket_bound_ifindex(int fd)
{
#ifdef SO_BINDTOIFINDEX
	int v = 0;
	socklen_t vlen = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &v, &vlen) == 0)
		return v > 0 ? v : 0;
#endif
#ifdef SO_BINDTODEVICE
	{
		/* kernels before 5.0 (no SO_BINDTOIFINDEX) give the name */
		char name[IFNAMSIZ + 1] = "";
		socklen_t nlen = IFNAMSIZ;

		if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &nlen) == 0 && name[0])
			return (int)if_nametoindex(name);
	}
#endif
	(void)fd;
	return 0;
}

struct rtw_watch *rtw_watch_socket(struct rtw_ctx *c, int fd, unsigned flags, rtw_watch_cb *cb,
				   void *user)
{
	struct sockaddr_storage ps, ls;
	socklen_t plen = sizeof(ps), llen = sizeof(ls);
	struct rtw_watch *w;
	struct rtw_addr p, l;
	bool has_local;
	int r, scope;

	if (!c || fd < 0) {
		errno = c ? EBADF : EINVAL; /* as getpeername() on a bad fd */
		return NULL;
	}
	if (getpeername(fd, (struct sockaddr *)&ps, &plen) < 0)
		return NULL; /* errno: ENOTCONN, ENOTSOCK, EBADF */
	r = addr_from_sockaddr((struct sockaddr *)&ps, &p);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	has_local = getsockname(fd, (struct sockaddr *)&ls, &llen) == 0 &&
		    addr_from_sockaddr((struct sockaddr *)&ls, &l) == 0;
	/* a link-local peer's scope id names the device it is reached on;
	 * else a bound socket's device is where its packets go */
	scope = addr_scope((struct sockaddr *)&ps);
	if (!scope)
		scope = socket_bound_ifindex(fd);
	w = watch_new(c, &p, scope, has_local ? &l : NULL,
		      has_local ? addr_scope((struct sockaddr *)&ls) : 0, flags, cb, user, fd);
	if (w) {
		w->peer_port = sockaddr_port(&ps);
		w->local_port = has_local ? sockaddr_port(&ls) : 0;
	}
	return w;
}

static void watch_destroy(struct rtw_ctx *c, struct rtw_watch *w)
{
	mem_free(&c->mem, w, sizeof(*w));
}

void rtw_watch_del(struct rtw_watch *w)
{
	struct rtw_ctx *c;

	if (!w || w->deleted)
		return;
	c = w->ctx;
	watch_unindex_all(c, w);
	if (w->prev)
		w->prev->next = w->next;
	else
		c->watches = w->next;
	if (w->next)
		w->next->prev = w->prev;
	c->n_watches--;
	c->n_scoped -= w->scope != 0;
	w->deleted = true;
	if (c->in_dispatch) {
		/* it may still sit in a candidate or fire list being walked */
		w->next = c->graveyard;
		c->graveyard = w;
		return;
	}
	watch_destroy(c, w);
}

void watch_reap(struct rtw_ctx *c)
{
	struct rtw_watch *w;

	while ((w = c->graveyard)) {
		c->graveyard = w->next;
		watch_destroy(c, w);
	}
}

void watch_free_all(struct rtw_ctx *c)
{
	struct rtw_watch *w;

	watch_reap(c);
	while ((w = c->watches)) {
		c->watches = w->next;
		watch_destroy(c, w);
	}
	memset(c->root, 0, sizeof(c->root));
	c->n_watches = 0;
	c->n_scoped = 0;
}

enum rtw_reason rtw_watch_status(const struct rtw_watch *w, struct rtw_route *ret_route)
{
	uint32_t slot;
	int r;

	if (!w)
		return RTW_REASON_NO_ROUTE;
	if (!ret_route || !w->ctx->started)
		return w->state;
	/* A watch that fired is followed no more, and its slot may have gone
	 * since: the peer is resolved again, as the watch would resolve it
	 * (in a PATH_CHANGED callback, the new path). */
	slot = w->fired ? peer_slot(&w->ctx->model, w, &r) : w->slot;
	if (slot != SLOT_NONE)
		model_route_fill(&w->ctx->model, slot, ret_route);
	return w->state;
}

void *rtw_watch_user(const struct rtw_watch *w)
{
	return w ? w->user : NULL;
}
