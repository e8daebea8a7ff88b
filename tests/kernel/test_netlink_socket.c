/* backends/netlink/socket.c against a real kernel, in a private network
 * namespace this program makes for itself (root needed: skipped with 77
 * without it, a failure under CI=true): open/close under allocation failure,
 * dump order, non-blocking reads, overflow, silent-flush resync, foreign
 * senders and errors from the sink. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "../unit/testutil.h"
#include "backend.h"

#define MAX_SEEN 16384

struct seen {
	enum rtw_event_type types[MAX_SEEN];
	unsigned flags[MAX_SEEN];
	unsigned n;
	enum rtw_event_type last;
	unsigned addrs;		     /* ADDR_ADD events */
	unsigned char stable[2000];  /* 10.66.4.1 to 10.66.11.250 seen */
	unsigned char stable6[2000]; /* 2001:db8:f0:0-7cf::/64 seen */
	unsigned routes_10_77;	     /* ROUTE_ADD events for 10.77.0.0/16 */
	unsigned max_hops;	     /* most next hops of a route event */
	int fail_with;		     /* the sink's answer from the first event on */
};

static int record(void *arg, const struct rtw_event *ev)
{
	struct seen *s = arg;

	if (s->fail_with)
		return s->fail_with;
	if (s->n < MAX_SEEN) {
		s->types[s->n] = ev->type;
		s->flags[s->n] = ev->flags;
	}
	s->n++;
	s->last = ev->type;
	if ((ev->type == RTW_EV_ROUTE_ADD || ev->type == RTW_EV_ROUTE_DEL) &&
	    ev->u.route.n_nexthops > s->max_hops)
		s->max_hops = ev->u.route.n_nexthops;
	s->addrs += ev->type == RTW_EV_ADDR_ADD;
	if (ev->type == RTW_EV_ADDR_ADD && ev->u.addr.prefix.addr.family == AF_INET) {
		const uint8_t *a = ev->u.addr.prefix.addr.bytes;

		if (a[0] == 10 && a[1] == 66 && a[2] >= 4 && a[2] < 12 && a[3] >= 1 && a[3] <= 250)
			s->stable[(a[2] - 4) * 250 + a[3] - 1] = 1;
	}
	if (ev->type == RTW_EV_ROUTE_ADD && ev->u.route.dst.addr.family == AF_INET6) {
		static const uint8_t pre[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0xf0 };
		const uint8_t *a = ev->u.route.dst.addr.bytes;
		unsigned i = (unsigned)a[6] << 8 | a[7];

		if (memcmp(a, pre, 6) == 0 && ev->u.route.dst.len == 64 && i < 2000)
			s->stable6[i] = 1;
	}
	if (ev->type == RTW_EV_ROUTE_ADD && ev->u.route.dst.addr.family == AF_INET &&
	    ev->u.route.dst.addr.bytes[0] == 10 && ev->u.route.dst.addr.bytes[1] == 77)
		s->routes_10_77++;
	return 0;
}

static void sh(const char *cmd)
{
	assert_int_equal(system(cmd), 0);
}

static struct rtw_backend *open_backend(unsigned rcvbuf)
{
	struct rtw_backend_options o;
	struct rtw_backend *b = NULL;

	memset(&o, 0, sizeof(o));
	o.rcvbuf = rcvbuf;
	assert_int_equal(rtw_backend_netlink.open(&b, &o), 0);
	assert_non_null(b);
	return b;
}

static unsigned index_of(const struct seen *s, enum rtw_event_type t)
{
	unsigned i;

	for (i = 0; i < s->n && i < MAX_SEEN; i++)
		if (s->types[i] == t)
			return i;
	return UINT32_MAX;
}

static void open_fails_cleanly_at_every_allocation(void **state)
{
	unsigned long n;

	for (n = 1;; n++) {
		struct failalloc f = { 0, n, 0, 0 };
		struct rtw_allocator a = failalloc_allocator(&f);
		struct rtw_backend_options o;
		struct rtw_backend *b = (struct rtw_backend *)&n; /* must stay untouched */
		int r;

		memset(&o, 0, sizeof(o));
		o.allocator = &a;
		r = rtw_backend_netlink.open(&b, &o);
		if (f.failed == 0) {
			assert_int_equal(r, 0);
			rtw_backend_netlink.close(b);
			assert_int_equal(f.live, 0);
			break;
		}
		assert_int_equal(r, -ENOMEM);
		assert_ptr_equal(b, (struct rtw_backend *)&n);
		assert_int_equal(f.live, 0);
	}
	assert_true(n > 1);
	rtw_backend_netlink.close(NULL);
}

static void dump_is_ordered_and_complete(void **state)
{
	struct rtw_backend *b = open_backend(0);
	static struct seen s;
	int r;

	sh("ip route add 10.77.0.0/16 via 10.9.0.2");
	memset(&s, 0, sizeof(s));
	r = rtw_backend_netlink.dump(b, record, &s);
	assert_int_equal(r, (int)s.n);
	assert_int_equal(s.types[0], RTW_EV_DUMP_BEGIN);
	assert_int_equal(s.types[s.n - 1], RTW_EV_DUMP_END);
	assert_true(index_of(&s, RTW_EV_LINK_UP) < index_of(&s, RTW_EV_ADDR_ADD));
	assert_true(index_of(&s, RTW_EV_ADDR_ADD) < index_of(&s, RTW_EV_NEXTHOP_ADD));
	assert_true(index_of(&s, RTW_EV_NEXTHOP_ADD) < index_of(&s, RTW_EV_ROUTE_ADD));
	assert_int_equal(s.routes_10_77, 1);
	/* a dump is state: nothing in it asks for a resync */
	assert_int_equal(index_of(&s, RTW_EV_OVERFLOW), UINT32_MAX);
	sh("ip route del 10.77.0.0/16");
	/* the change was queued as a notification meanwhile */
	memset(&s, 0, sizeof(s));
	assert_true(rtw_backend_netlink.read(b, record, &s) >= 2);
	assert_int_equal(s.types[0], RTW_EV_ROUTE_ADD);
	assert_int_equal(index_of(&s, RTW_EV_ROUTE_DEL), 1);
	/* and then nothing: a read does not block */
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_backend_netlink.read(b, record, &s), 0);
	rtw_backend_netlink.close(b);
}

static void overflow_is_an_event_and_the_socket_lives_on(void **state)
{
	struct rtw_backend *b = open_backend(1); /* the kernel's minimum */
	static struct seen s;
	int r;

	sh("for i in $(seq 0 199); do echo route add 10.77.$i.0/24 via 10.9.0.2; done"
	   " | ip -batch -");
	memset(&s, 0, sizeof(s));
	r = rtw_backend_netlink.read(b, record, &s);
	assert_true(r > 0);
	assert_int_equal(s.types[s.n - 1], RTW_EV_OVERFLOW);
	/* everything queued before the loss was discarded: nothing stale
	 * is left to apply after the re-dump */
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_backend_netlink.read(b, record, &s), 0);
	memset(&s, 0, sizeof(s));
	assert_true(rtw_backend_netlink.dump(b, record, &s) > 0);
	assert_true(s.routes_10_77 >= 200);
	sh("ip route add 10.78.0.0/16 via 10.9.0.2");
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_backend_netlink.read(b, record, &s), 1);
	assert_int_equal(s.types[0], RTW_EV_ROUTE_ADD);
	sh("ip route flush root 10.77.0.0/16; ip route del 10.78.0.0/16");
	rtw_backend_netlink.close(b);
}

static void admin_down_asks_for_resync(void **state)
{
	struct rtw_backend *b = open_backend(0);
	static struct seen s;
	unsigned down;
	int r;

	sh("ip link set v2 down");
	memset(&s, 0, sizeof(s));
	r = rtw_backend_netlink.read(b, record, &s);
	assert_true(r > 0);
	down = index_of(&s, RTW_EV_LINK_DOWN);
	assert_true(down < s.n);
	assert_int_equal(s.flags[down], RTW_EVF_FLUSH_V4);
	/* read stops at the overflow it delivered, so the core re-dumps
	 * before applying anything queued later */
	assert_int_equal(s.types[s.n - 1], RTW_EV_OVERFLOW);
	assert_int_equal(r, (int)s.n);
	sh("ip link set v2 up; ip addr add 10.2.0.1/24 dev v2 2>/dev/null || true");
	rtw_backend_netlink.close(b);
}

/* A queue longer than a read's bound takes several reads, none handling
 * more than RTW_READ_MAX_MSGS datagrams (one event each here), so that a
 * busy kernel cannot keep a dispatch from returning. The resync a silent
 * change asks for still comes after everything queued: last in the read
 * that empties the queue. */
static void reads_stop_at_their_bound(void **state)
{
	struct rtw_backend *b = open_backend(64u << 20); /* room for all of it */
	static struct seen s;
	unsigned routes = 0, reads = 0, overflows = 0;
	int r;

	sh("ip link set v2 down");
	sh("for i in $(seq 0 4999); do echo route add 10.77.$((i / 200)).$((i % 200))/32"
	   " via 10.9.0.2; done | ip -batch -");
	do {
		memset(&s, 0, sizeof(s));
		r = rtw_backend_netlink.read(b, record, &s);
		assert_true(r >= 0);
		assert_true(s.n <= RTW_READ_MAX_MSGS);
		routes += s.routes_10_77;
		reads++;
		if (r > 0 && index_of(&s, RTW_EV_OVERFLOW) < s.n) {
			overflows++;
			assert_int_equal(index_of(&s, RTW_EV_OVERFLOW), s.n - 1);
			/* nothing was left behind it */
			assert_false(rtw_backend_netlink.more(b));
		} else if (r > 0) {
			assert_true(rtw_backend_netlink.more(b));
		}
	} while (r > 0 && reads < 10);
	assert_int_equal(routes, 5000);
	assert_int_equal(overflows, 1);
	assert_true(reads >= 3); /* two reads with events, the last with none */
	assert_false(rtw_backend_netlink.more(b));
	sh("ip link set v2 up; ip addr add 10.2.0.1/24 dev v2 2>/dev/null || true;"
	   " ip route flush root 10.77.0.0/16");
	rtw_backend_netlink.close(b);
}

static void foreign_sender_is_dropped_and_counted(void **state)
{
	struct rtw_backend *b = open_backend(0);
	struct sockaddr_nl self, to;
	socklen_t len = sizeof(self);
	static struct seen s;
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
	} msg;
	int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);

	assert_true(fd >= 0);
	assert_int_equal(getsockname(rtw_backend_netlink.fd(b), (struct sockaddr *)&self, &len), 0);
	memset(&msg, 0, sizeof(msg));
	msg.h.nlmsg_len = sizeof(msg);
	msg.h.nlmsg_type = RTM_NEWROUTE;
	msg.r.rtm_family = AF_INET;
	msg.r.rtm_table = RT_TABLE_MAIN;
	msg.r.rtm_type = RTN_UNICAST;
	memset(&to, 0, sizeof(to));
	to.nl_family = AF_NETLINK;
	to.nl_pid = self.nl_pid;
	assert_int_equal(sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(msg));
	close(fd);
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_backend_netlink.read(b, record, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(rtw_backend_netlink.foreign_dropped(b), 1);
	rtw_backend_netlink.close(b);
}

/* Asked after a carrier loss, the backend delivers the devices' IPv6
 * ignore_routes_with_linkdown (a netconf dump: "all", "default" and one a
 * device), and nothing else, and leaves the notifications queued alone. */
static void carrier_lost_reads_ipv6_settings(void **state)
{
	struct rtw_backend *b = open_backend(0);
	static struct seen s;
	unsigned i;
	int r;

	sh("ip route add 10.77.0.0/16 via 10.9.0.2");
	memset(&s, 0, sizeof(s));
	r = rtw_backend_netlink.carrier_lost(b, record, &s);
	assert_true(r >= 3);
	assert_int_equal(r, (int)s.n);
	for (i = 0; i < s.n; i++)
		assert_int_equal(s.types[i], RTW_EV_NETCONF);
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_backend_netlink.read(b, record, &s), 1);
	assert_int_equal(s.routes_10_77, 1);
	sh("ip route del 10.77.0.0/16");
	rtw_backend_netlink.close(b);
}

static void sink_errors_are_returned_and_dumps_recover(void **state)
{
	struct rtw_backend *b = open_backend(0);
	static struct seen s;

	sh("ip route add 10.77.0.0/16 via 10.9.0.2");
	memset(&s, 0, sizeof(s));
	s.fail_with = -EIO;
	assert_int_equal(rtw_backend_netlink.read(b, record, &s), -EIO);
	/* a dump whose sink fails is read to its end, so the next one works */
	assert_int_equal(rtw_backend_netlink.dump(b, record, &s), -EIO);
	memset(&s, 0, sizeof(s));
	assert_true(rtw_backend_netlink.dump(b, record, &s) > 0);
	assert_int_equal(s.routes_10_77, 1);
	sh("ip route del 10.77.0.0/16");
	rtw_backend_netlink.close(b);
}

static unsigned count_stable(const struct seen *s)
{
	unsigned i, n = 0;

	for (i = 0; i < sizeof(s->stable); i++)
		n += s->stable[i];
	return n;
}

/* Addresses 10.66.0.1-10.66.3.250 come and go while dumps run; the 2000
 * after them stay, so every complete dump must list all 2000. */
static void dumps_succeed_while_the_kernel_changes(void **state)
{
	struct rtw_backend *b = open_backend(0);
	static struct seen s;
	unsigned dumps = 0;
	int status;

	/* 3000 addresses make the address dump span many datagrams; deleting
	 * and adding the first 1000 meanwhile makes the kernel flag
	 * NLM_F_DUMP_INTR, which the backend answers by asking again */
	sh("for i in $(seq 0 2999); do echo addr add 10.66.$((i / 250)).$((i % 250 + 1))/32"
	   " dev v1; done | ip -batch -");
	sh("(for r in 1 2 3; do for i in $(seq 0 999); do echo addr del 10.66.$((i / 250))."
	   "$((i % 250 + 1))/32 dev v1; done; for i in $(seq 0 999); do echo addr add"
	   " 10.66.$((i / 250)).$((i % 250 + 1))/32 dev v1; done; done | ip -batch -;"
	   " touch /tmp/rtw-churn-done.$PPID) &");
	for (;;) {
		char done[64];

		snprintf(done, sizeof(done), "/tmp/rtw-churn-done.%d", (int)getpid());
		memset(&s, 0, sizeof(s));
		status = rtw_backend_netlink.dump(b, record, &s);
		assert_int_equal(status, (int)s.n);
		assert_int_equal(s.types[0], RTW_EV_DUMP_BEGIN);
		assert_int_equal(s.last, RTW_EV_DUMP_END);
		/* an interrupted dump skips entries; the restart finds them */
		assert_int_equal(count_stable(&s), 2000);
		dumps++;
		if (access(done, F_OK) == 0) {
			unlink(done);
			break;
		}
	}
	/* after the churn every address is there again, and seen */
	memset(&s, 0, sizeof(s));
	assert_true(rtw_backend_netlink.dump(b, record, &s) > 3000);
	assert_true(s.addrs >= 3000);
	assert_true(dumps >= 2);
	sh("ip addr flush dev v1");
	rtw_backend_netlink.close(b);
}

/* IPv6 route dumps are never flagged NLM_F_DUMP_INTR: when the tree
 * changes between two datagrams the kernel walks again from the root and
 * skips as many routes as it had sent, so deleting routes ahead of the
 * cursor makes it skip routes that never changed (without the backend's
 * retry: 1456 to 1883 of 2000 seen). 2000 stable routes stay while 1000
 * that sort before them come and go: a dump must list all 2000, or have
 * a new dump asked for at the next read. */
static void ipv6_route_dumps_during_churn(void **state)
{
	struct rtw_backend *b = open_backend(0);
	static struct seen s;
	unsigned dumps = 0, kept_short = 0, i, n;

	sh("for i in $(seq 0 1999); do printf 'route add 2001:db8:f0:%x::/64 dev v0\\n' $i;"
	   " done | ip -6 -batch -");
	sh("for i in $(seq 0 999); do printf 'route add 2001:db8:10:%x::/64 dev v0\\n' $i;"
	   " done | ip -6 -batch -");
	sh("(for r in 1 2 3 4 5 6; do for i in $(seq 0 999); do printf 'route del "
	   "2001:db8:10:%x::/64"
	   " dev v0\\n' $i; done; for i in $(seq 0 999); do printf 'route add 2001:db8:10:%x::/64"
	   " dev v0\\n' $i; done; done | ip -6 -batch -; touch /tmp/rtw-churn6-done.$PPID) &");
	for (;;) {
		char done[64];

		snprintf(done, sizeof(done), "/tmp/rtw-churn6-done.%d", (int)getpid());
		memset(&s, 0, sizeof(s));
		assert_true(rtw_backend_netlink.dump(b, record, &s) > 0);
		assert_int_equal(s.last, RTW_EV_DUMP_END);
		for (i = 0, n = 0; i < 2000; i++)
			n += s.stable6[i];
		if (n != 2000) {
			/* only after several tries in a storm is a dump kept
			 * that may have missed routes, and then the next read
			 * asks for a new one before anything else */
			static struct seen r;

			memset(&r, 0, sizeof(r));
			assert_true(rtw_backend_netlink.read(b, record, &r) >= 1);
			assert_int_equal(r.types[0], RTW_EV_OVERFLOW);
			kept_short++;
		}
		dumps++;
		if (access(done, F_OK) == 0) {
			unlink(done);
			break;
		}
	}
	assert_true(dumps >= 2);
	assert_true(kept_short < dumps);
	sh("ip -6 route flush dev v0");
	rtw_backend_netlink.close(b);
}

static void many_hops_grow_the_scratch(void **state)
{
	struct failalloc f = { 0, 0, 0, 0 };
	struct rtw_allocator a = failalloc_allocator(&f);
	struct rtw_backend_options o;
	struct rtw_backend *b = NULL;
	static struct seen s;
	char cmd[4096];
	int i, n;

	memset(&o, 0, sizeof(o));
	o.allocator = &a;
	assert_int_equal(rtw_backend_netlink.open(&b, &o), 0);
	n = snprintf(cmd, sizeof(cmd), "ip route add 10.88.0.0/16");
	for (i = 2; i < 102; i++)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " nexthop via 10.9.0.%d", i);
	sh(cmd);
	/* the scratch cannot grow: the route is lost, which is an overflow,
	 * and the reason is returned */
	f.fail_at = f.calls + 1;
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_backend_netlink.read(b, record, &s), -ENOMEM);
	assert_int_equal(s.last, RTW_EV_OVERFLOW);
	assert_int_equal(s.max_hops, 0);
	/* now it can: the dump has the route with all 100 hops */
	memset(&s, 0, sizeof(s));
	assert_true(rtw_backend_netlink.dump(b, record, &s) > 0);
	assert_int_equal(s.max_hops, 100);
	sh("ip route del 10.88.0.0/16");
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_backend_netlink.read(b, record, &s), 1);
	assert_int_equal(s.types[0], RTW_EV_ROUTE_DEL);
	assert_int_equal(s.max_hops, 100);
	rtw_backend_netlink.close(b);
	assert_int_equal(f.live, 0);
}

static int setup_netns(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		const char *ci = getenv("CI");

		fprintf(stderr, "%s: needs root and a private network namespace\n",
			ci && strcmp(ci, "true") == 0 ? "FAIL" : "SKIP");
		return ci && strcmp(ci, "true") == 0 ? 1 : 77;
	}
	/* from here on only this namespace is changed; no IPv6 link-local
	 * addresses, whose duplicate detection ends a second or two later
	 * with events of its own in the middle of a test (seen in CI:
	 * many_hops_grow_the_scratch read a one-hop route first) */
	if (system("sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 &&"
		   " sysctl -qw net.ipv6.conf.all.accept_dad=0 &&"
		   " sysctl -qw net.ipv6.conf.default.accept_dad=0 &&"
		   " ip link set lo up && ip link add name v0 type veth peer name v1 &&"
		   " ip link add name v2 type veth peer name v3 &&"
		   " for l in v0 v1 v2 v3; do ip link set $l up; done &&"
		   " ip addr add 10.9.0.1/24 dev v0 && ip addr add 10.2.0.1/24 dev v2 &&"
		   " ip nexthop add id 1 via 10.9.0.3 dev v0") != 0)
		return 1;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_fails_cleanly_at_every_allocation),
		cmocka_unit_test(dump_is_ordered_and_complete),
		cmocka_unit_test(overflow_is_an_event_and_the_socket_lives_on),
		cmocka_unit_test(admin_down_asks_for_resync),
		cmocka_unit_test(reads_stop_at_their_bound),
		cmocka_unit_test(foreign_sender_is_dropped_and_counted),
		cmocka_unit_test(carrier_lost_reads_ipv6_settings),
		cmocka_unit_test(sink_errors_are_returned_and_dumps_recover),
		cmocka_unit_test(dumps_succeed_while_the_kernel_changes),
		cmocka_unit_test(many_hops_grow_the_scratch),
		cmocka_unit_test(ipv6_route_dumps_during_churn),
	};
	int r;

	test_output_tap();
	r = setup_netns();
	if (r)
		return r;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
