/* core/engine.c: applies one normalized event. Owns the order of things:
 * record it, update the model, gather the affected watches from what the
 * model reports, evaluate them, emit notices. */
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "ctx.h"
#include "replay/format.h"

static bool quiet(const struct rtw_ctx *c)
{
	return c->coldplug && !(c->flags & RTW_OPT_DUMP_NOTICES);
}

static void mark_slot(struct rtw_ctx *c, uint32_t slot, bool removed)
{
	uint8_t key[17];

	if (!c->root[WI_ROUTE])
		return; /* no watch: a full table loads and changes without keys made */
	windex_key_num(key, slot);
	windex_mark_range(c, WI_ROUTE, key, key, removed, false);
}

/* The watches whose address of index which (WI_PEER, WI_LOCAL) lies in p. */
static void mark_prefix(struct rtw_ctx *c, int which, const struct rtw_prefix *p)
{
	struct rtw_addr lo, hi;
	uint8_t klo[17], khi[17];

	if (!c->root[which])
		return;
	prefix_range(p, &lo, &hi);
	windex_key_addr(klo, &lo);
	windex_key_addr(khi, &hi);
	windex_mark_range(c, which, klo, khi, false, false);
}

/* Called by the model for each route it changes, while the old route still
 * exists. Only watches that could resolve differently are gathered: the
 * users of the routes that lost their place (the route index), and, when a
 * route took a prefix over, the peers inside that prefix (a range query). */
void engine_on_change(void *arg, const struct route_change *ch)
{
	struct rtw_ctx *c = arg;

	if (!c->coldplug) {
		if (ch->kind == CHANGE_DEL || ch->kind == CHANGE_REPLACE)
			mark_slot(c, ch->slot, ch->kind == CHANGE_DEL);
		if (ch->old_best != SLOT_NONE && ch->old_best != ch->new_best)
			mark_slot(c, ch->old_best, false);
		if ((ch->new_best != SLOT_NONE && ch->new_best != ch->old_best) || ch->old_throw)
			mark_prefix(c, WI_PEER, &ch->dst);
		/* a watch reached through one device takes the best route
		 * through it, which need not be the prefix's best */
		else if (c->n_scoped && (ch->kind == CHANGE_ADD || ch->kind == CHANGE_REPLACE))
			mark_prefix(c, WI_PEER, &ch->dst);
		/* a local route makes the addresses it covers the host's
		 * (model_has_local()) */
		if (ch->table == RTW_TABLE_LOCAL)
			mark_prefix(c, WI_LOCAL, &ch->dst);
	}
	if (ch->kind == CHANGE_BEST || quiet(c))
		return;
	if (ch->gateway)
		c->gw_changed = true;
	/* A route replaced by another (other hops, type, source) is announced
	 * as the old one going, then the new one: the key alone does not tell
	 * which route went (IPv6 keeps device routes apart by their device),
	 * and a listener keeping a table would keep the old one. */
	if (ch->kind == CHANGE_REPLACE && ch->old_attr != SLOT_NONE)
		notice_route_as(c, RTW_NOTICE_ROUTE_DEL, ch->slot, ch->old_attr);
	notice_route(c, ch->kind == CHANGE_DEL ? RTW_NOTICE_ROUTE_DEL : RTW_NOTICE_ROUTE_ADD,
		     ch->slot);
}

static void mark_link(struct rtw_ctx *c, int ifindex);
static void mark_link_up(struct rtw_ctx *c, int ifindex);

/* Also reached from a resync's sweep, which must invalidate as a real
 * LINK_GONE does. A link that was down and is now unknown counts as up
 * again for the hops left on it, as after a link up. */
static void on_link_gone(void *arg, const struct rtw_link *l)
{
	struct rtw_ctx *c = arg;

	mark_link(c, l->ifindex);
	if (!(l->admin_up && l->carrier_up))
		mark_link_up(c, l->ifindex);
	if (!quiet(c))
		notice_link(c, RTW_NOTICE_LINK_GONE, l);
}

static void on_addr_gone(void *arg, const struct rtw_address *a)
{
	struct rtw_ctx *c = arg;
	uint8_t key[17];

	if (c->coldplug)
		return;
	/* also when another interface still has the address: a watch of a
	 * link-local one needs it on its own (watch_path() decides) */
	windex_key_addr(key, &a->prefix.addr);
	windex_mark_range(c, WI_LOCAL, key, key, false, false);
	notice_addr(c, RTW_NOTICE_ADDR_DEL, a);
}

static void mark_link(struct rtw_ctx *c, int ifindex)
{
	uint8_t key[17];

	if (c->coldplug || ifindex <= 0)
		return;
	windex_key_num(key, (uint32_t)ifindex);
	windex_mark_range(c, WI_LINK, key, key, false, true);
}

/* A link coming up changes what the watches over its routes resolve to
 * without changing any prefix's best route: the egress of a multipath route
 * (its first hop on an up link), and with RTW_LINKDOWN_FAIL whether the
 * route is usable at all. So the users of every route with a hop on it are
 * re-evaluated: found through the watches' own routes when there are fewer
 * watches than routes (a full table and a few connections), else by a scan
 * of the routes, as the model's own on link changes. */
static void mark_link_up(struct rtw_ctx *c, int ifindex)
{
	const struct model *m = &c->model;
	struct rtw_watch *w;
	uint32_t s;

	if (c->coldplug || !c->n_watches)
		return;
	if (c->n_watches < m->n_routes) {
		for (w = c->watches; w; w = w->next)
			if (!w->deleted && !w->cand && w->slot != SLOT_NONE &&
			    w->slot < m->n_slots && m->routes[w->slot].family &&
			    model_route_uses_link(m, w->slot, ifindex))
				mark_slot(c, w->slot, false);
		return;
	}
	for (s = 0; s < m->n_slots; s++)
		if (m->routes[s].family && model_route_uses_link(m, s, ifindex))
			mark_slot(c, s, false);
}

/* A local address (re)appearing makes the watches bound to it valid again. */
static void mark_local(struct rtw_ctx *c, const struct rtw_addr *a)
{
	uint8_t key[17];

	if (c->coldplug)
		return;
	windex_key_addr(key, a);
	windex_mark_range(c, WI_LOCAL, key, key, false, false);
}

/* Resolve every watch once the initial dump is complete. */
static void resolve_all(struct rtw_ctx *c)
{
	struct rtw_watch *w;

	for (w = c->watches; w; w = w->next)
		watch_resolve(c, w);
}

/* A dump block is about to begin in the recording. A dump that failed
 * (memory) and is asked for again from its start left its block open, and
 * a block begun inside it is one no replay reads: the open one is cut off
 * in a regular file, else the recording ends (-ECANCELED at the stop). A
 * backend that goes on with the dump it had begun (replay) sends no second
 * beginning and keeps its block. */
static int record_block_begin(struct rtw_ctx *c)
{
	if (c->record_in_block && replay_cut(c->record_fd, c->record_block_at) < 0)
		return -ECANCELED;
	c->record_block_at = replay_offset(c->record_fd);
	c->record_block_overflow_at = c->record_overflow_at;
	c->record_in_block = true;
	return 0;
}

static int apply(struct rtw_ctx *c, const struct rtw_event *ev)
{
	const struct sweep_ops sweep = { on_link_gone, on_addr_gone, c };
	const struct link_rec *lr;
	bool was_up;
	int r = 0;

	switch (ev->type) {
	case RTW_EV_ROUTE_ADD:
		return model_route_add(&c->model, &ev->u.route, ev->flags);
	case RTW_EV_ROUTE_DEL:
		return model_route_del(&c->model, &ev->u.route, ev->flags);
	case RTW_EV_LINK_UP:
	case RTW_EV_LINK_DOWN:
		lr = model_link_get(&c->model, ev->u.link.ifindex);
		was_up = !lr || (lr->link.admin_up && lr->link.carrier_up);
		if (was_up && !(ev->u.link.admin_up && ev->u.link.carrier_up))
			mark_link(c, ev->u.link.ifindex);
		/* a link known up that keeps admin up: its carrier went */
		if (lr && was_up && ev->u.link.admin_up && !ev->u.link.carrier_up && !c->coldplug)
			c->carrier_lost = true;
		r = model_link_set(&c->model, &ev->u.link);
		if (r > 0 && !was_up && ev->u.link.admin_up && ev->u.link.carrier_up)
			mark_link_up(c, ev->u.link.ifindex);
		lr = model_link_get(&c->model, ev->u.link.ifindex);
		if (r > 0 && lr && !quiet(c)) /* the model's record has the name */
			notice_link(c,
				    lr->link.admin_up && lr->link.carrier_up ? RTW_NOTICE_LINK_UP
									     : RTW_NOTICE_LINK_DOWN,
				    &lr->link);
		return r;
	case RTW_EV_LINK_GONE: {
		struct rtw_link l = { 0 };

		lr = model_link_get(&c->model, ev->u.link.ifindex);
		l = lr ? lr->link : ev->u.link;
		mark_link(c, ev->u.link.ifindex);
		r = model_link_gone(&c->model, ev->u.link.ifindex);
		if (r > 0)
			on_link_gone(c, &l);
		return r;
	}
	case RTW_EV_ADDR_ADD:
		r = model_addr_add(&c->model, &ev->u.addr);
		if (r > 0)
			mark_local(c, &ev->u.addr.prefix.addr);
		if (r > 0 && !quiet(c))
			notice_addr(c, RTW_NOTICE_ADDR_ADD, &ev->u.addr);
		return r;
	case RTW_EV_ADDR_DEL:
		r = model_addr_del(&c->model, &ev->u.addr);
		if (r > 0)
			on_addr_gone(c, &ev->u.addr);
		if ((ev->flags & RTW_EVF_PREFSRC) && !c->dumping &&
		    model_prefsrc_used(&c->model, &ev->u.addr.prefix.addr))
			c->need_resync = true;
		return r;
	case RTW_EV_NEXTHOP_ADD:
		r = model_nhobj_add(&c->model, &ev->u.nhobj);
		if (r == MODEL_NHOBJ_REDUMP) {
			/* inside a dump, the routes come after their objects */
			if (!c->dumping)
				c->need_resync = true;
			r = 1;
		}
		return r;
	case RTW_EV_NEXTHOP_DEL:
		return model_nhobj_del(&c->model, ev->u.nhobj.id);
	case RTW_EV_DUMP_BEGIN:
		model_mark_begin(&c->model);
		return 0;
	case RTW_EV_DUMP_END:
		r = model_sweep(&c->model, &sweep);
		if (c->coldplug) {
			c->coldplug = false;
			model_relayout(&c->model);
			resolve_all(c);
		} else if (r >= 0) {
			c->stats.resyncs++;
			notice_simple(c, RTW_NOTICE_RESYNC);
		}
		return r;
	case RTW_EV_OVERFLOW:
		c->stats.overflows++;
		c->need_resync = true;
		return 0;
	case RTW_EV_NETCONF:
		/* a policy the application chose holds for every device */
		if (c->linkdown_set)
			return 0;
		return model_netconf_set(&c->model, &ev->u.netconf);
	}
	return -EINVAL;
}

/* The sink every backend delivers to. */
int engine_sink(void *arg, const struct rtw_event *ev)
{
	struct rtw_ctx *c = arg;
	int r;

	/* a callback freed the context: stop the backend's loop */
	if (c->freeing)
		return -ECANCELED;
	c->applying = true;
	r = apply(c, ev);
	c->applying = false;
	/* Recorded once applied, so that a refused event the backend offers
	 * again is not in the recording twice; a refused one is recorded as an
	 * overflow, which makes a replay resync as the core does. */
	if (c->record_fd >= 0) {
		struct rtw_event ov;
		int e = 0;

		bool ov_line = r < 0 || ev->type == RTW_EV_OVERFLOW;
		long long before = ov_line ? replay_offset(c->record_fd) : -1;
		bool written = false;

		memset(&ov, 0, sizeof(ov));
		ov.type = RTW_EV_OVERFLOW;
		if (r >= 0 && ev->type == RTW_EV_DUMP_BEGIN)
			e = record_block_begin(c);
		/* one a backend offers again is recorded when it is applied */
		if (e == 0 && !(r < 0 && c->ops->offers_refused_again)) {
			e = record_event(c, c->record_fd, r < 0 ? &ov : ev);
			written = e == 0;
		}
		if (written && !(r >= 0 && ev->type == RTW_EV_DUMP_BEGIN))
			c->record_overflow_at = ov_line ? before : -1;
		if (r >= 0 && ev->type == RTW_EV_DUMP_END)
			c->record_in_block = false;
		if (e < 0) {
			/* a broken recording must not stop monitoring; the
			 * error waits for rtw_record(c, -1). A dump block it
			 * cuts short would make the whole file unreadable: in
			 * a regular file it goes back to before the block, and
			 * before the overflow that asked for it */
			if (c->record_in_block)
				(void)replay_cut(c->record_fd, c->record_block_overflow_at >= 0
								   ? c->record_block_overflow_at
								   : c->record_block_at);
			c->record_in_block = false;
			c->record_err = e;
			c->record_fd = -1;
		}
	}
	if (c->record_due_fd >= 0 && !c->freeing) {
		/* started by a callback of this event: from the model it made */
		int fd = c->record_due_fd, e = record_begin(c, fd);

		c->record_due_fd = -1;
		if (e < 0)
			c->record_err = e; /* as a failed write: at the stop */
		else
			c->record_fd = fd;
	}
	c->stats.events++;
	engine_evaluate(c, ev->type);
	if (c->freeing)
		return -ECANCELED;
	if (r < 0) {
		/* The event is gone from the kernel's queue: ask for a resync so
		 * that the failure is reported but nothing is lost for good. */
		c->need_resync = true;
		return r;
	}
	return 0;
}
