/* For core tests: a backend that serves events from memory, and builders for
 * the events, so that model and watch tests need no kernel and no file. */
#ifndef RTW_EVQ_H
#define RTW_EVQ_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "backend.h"
#include "ctx.h"

#define EVQ_MAX	 4096
#define EVQ_HOPS 8

struct evq_item {
	struct rtw_event ev;
	struct rtw_nexthop hops[EVQ_HOPS];
};

/* One queue per test binary: the backend interface has no user pointer at
 * open(), and tests run one context at a time. */
static struct evq {
	struct evq_item dump[EVQ_MAX];
	size_t n_dump;
	struct evq_item live[EVQ_MAX];
	size_t n_live, next_live;
	int dumps;
} evq;

static int evq_open(struct rtw_backend **ret_b, const struct rtw_backend_options *opt)
{
	(void)opt;
	*ret_b = (struct rtw_backend *)&evq;
	return 0;
}

static int evq_fd(struct rtw_backend *b)
{
	(void)b;
	return 0;
}

static int evq_deliver(struct evq_item *it, rtw_sink *sink, void *arg)
{
	if (it->ev.type == RTW_EV_ROUTE_ADD || it->ev.type == RTW_EV_ROUTE_DEL)
		it->ev.u.route.nexthops = it->hops;
	return sink(arg, &it->ev);
}

static int evq_dump(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	struct rtw_event e;
	size_t i;
	int r;

	(void)b;
	evq.dumps++;
	memset(&e, 0, sizeof(e));
	e.type = RTW_EV_DUMP_BEGIN;
	if ((r = sink(arg, &e)) < 0)
		return r;
	for (i = 0; i < evq.n_dump; i++)
		if ((r = evq_deliver(&evq.dump[i], sink, arg)) < 0)
			return r;
	e.type = RTW_EV_DUMP_END;
	return sink(arg, &e);
}

static int evq_read(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	int n = 0, r;

	(void)b;
	while (evq.next_live < evq.n_live) {
		r = evq_deliver(&evq.live[evq.next_live++], sink, arg);
		if (r < 0)
			return r;
		n++;
	}
	return n;
}

static void evq_close(struct rtw_backend *b)
{
	(void)b;
}

static const uint32_t evq_tables[] = { 255, 254, 253, UINT32_MAX };

static const struct rtw_backend_ops evq_ops = {
	.name = "evq",
	.open = evq_open,
	.fd = evq_fd,
	.dump = evq_dump,
	.read = evq_read,
	.close = evq_close,
	.linkdown = RTW_LINKDOWN_FALLBACK,
	.default_tables = evq_tables,
};

static inline void evq_reset(void)
{
	memset(&evq, 0, sizeof(evq));
}

/* A context on the memory backend. */
static inline struct rtw_ctx *evq_ctx(const struct rtw_options *o)
{
	struct rtw_ctx *c = rtw_new(o);

	if (c)
		c->ops = &evq_ops;
	return c;
}

/* "10.0.0.0/24" [via GW] dev IFINDEX metric M table T type TYPE */
static inline struct evq_item evq_route(enum rtw_event_type t, const char *dst, const char *gw,
					int ifindex, uint32_t metric, uint32_t table,
					enum rtw_route_type type)
{
	struct evq_item it;

	memset(&it, 0, sizeof(it));
	it.ev.type = t;
	if (rtw_prefix_parse(dst, &it.ev.u.route.dst) < 0)
		fprintf(stderr, "bad prefix in test: %s\n", dst);
	it.ev.u.route.table = table;
	it.ev.u.route.metric = metric;
	it.ev.u.route.type = type;
	it.ev.u.route.protocol = 4;
	if (type == RTW_ROUTE_UNICAST || type == RTW_ROUTE_LOCAL || type == RTW_ROUTE_BROADCAST ||
	    type == RTW_ROUTE_MULTICAST || type == RTW_ROUTE_ANYCAST) {
		it.hops[0].ifindex = ifindex;
		it.hops[0].weight = 1;
		if (gw)
			rtw_addr_parse(gw, &it.hops[0].gateway);
		it.ev.u.route.n_nexthops = 1;
	}
	return it;
}

static inline struct evq_item evq_link(int ifindex, const char *name, bool admin, bool carrier)
{
	struct evq_item it;

	memset(&it, 0, sizeof(it));
	it.ev.type = admin && carrier ? RTW_EV_LINK_UP : RTW_EV_LINK_DOWN;
	it.ev.u.link.ifindex = ifindex;
	snprintf(it.ev.u.link.name, sizeof(it.ev.u.link.name), "%s", name);
	it.ev.u.link.admin_up = admin;
	it.ev.u.link.carrier_up = carrier;
	return it;
}

/* An IPv4 nexthop object's add (or replace) event: one hop. */
static inline struct evq_item evq_nhobj(uint32_t id, int ifindex, const char *gw)
{
	struct evq_item it;

	memset(&it, 0, sizeof(it));
	it.ev.type = RTW_EV_NEXTHOP_ADD;
	it.ev.u.nhobj.id = id;
	it.ev.u.nhobj.family = AF_INET;
	it.ev.u.nhobj.hop.ifindex = ifindex;
	it.ev.u.nhobj.hop.weight = 1;
	rtw_addr_parse(gw, &it.ev.u.nhobj.hop.gateway);
	return it;
}

static inline struct evq_item evq_addr(enum rtw_event_type t, const char *a, unsigned len,
				       int ifindex)
{
	struct evq_item it;

	memset(&it, 0, sizeof(it));
	it.ev.type = t;
	rtw_addr_parse(a, &it.ev.u.addr.prefix.addr);
	it.ev.u.addr.prefix.len = (uint8_t)len;
	it.ev.u.addr.ifindex = ifindex;
	return it;
}

static inline void evq_dump_add(struct evq_item it)
{
	evq.dump[evq.n_dump++] = it;
}

static inline void evq_push(struct evq_item it)
{
	evq.live[evq.n_live++] = it;
}

static inline struct sockaddr_storage evq_sa(const char *s)
{
	struct rtw_addr a;

	if (rtw_addr_parse(s, &a) < 0)
		a.family = AF_UNSPEC;
	return addr_to_sockaddr(&a);
}

#endif
