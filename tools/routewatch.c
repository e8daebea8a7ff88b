/* tools/routewatch.c: the routewatch command: show, get, monitor, watch and
 * record over the public API, with a portable poll loop that a self-pipe
 * wakes on SIGINT and SIGTERM (no signalfd, so it builds on the BSDs). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "print.h"
#include "routewatch.h"

#define EXIT_RUNTIME 1

static int signal_pipe[2] = { -1, -1 };

/* Set by callbacks, which cannot return an error to rtw_dispatch(). */
static int output_error;

/* Set while the library may write a recording that can block (a pipe, a
 * socket: see on_signal()). A regular file never waits for a reader, so a
 * signal then waits for the dispatch to end: a recording stopped in the
 * middle of a dump would not replay. */
static volatile sig_atomic_t dispatch_writes;
static bool record_may_block;

/* Whether the cause of a failure has been printed: main() prints one for
 * a command that failed without saying why (a write to stdout). */
static bool cause_printed;

/* The recording could not start (its header or first snapshot not written). */
static bool record_start_failed;

/* A stop was asked for (a signal taken). */
static volatile sig_atomic_t stops;

/* The grace of a stop asked for while writing has run out: a write still
 * under way waits for a reader that stopped reading. */
static void on_alarm(int sig)
{
	(void)sig;
	if (print_flushing || dispatch_writes)
		_exit(EXIT_SUCCESS);
}

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char byte = (unsigned char)sig;
	ssize_t n;

	/* A write that waits for a reader that stopped reading would wait on
	 * after the signal (restarted, or retried where it was cut short). So
	 * a signal during a write ends the tool as a clean stop (the line
	 * being written cut): at once when a stop was asked for before (a
	 * second signal, or one during --show-on-exit's output), else a second
	 * on, by on_alarm(). A write that ends within that second (a line to
	 * a reader that reads: nearly always) lets the stop go on as usual,
	 * --show-on-exit's output included. */
	if (print_flushing || dispatch_writes) {
		if (stops)
			_exit(EXIT_SUCCESS);
		alarm(1);
	}
	stops = 1;
	n = write(signal_pipe[1], &byte, 1);

	(void)n; /* a full pipe already holds a wake-up */
	errno = saved;
}

static int set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

static int signals_install(void)
{
	struct sigaction sa;

	if (pipe(signal_pipe) < 0)
		return -errno;
	if (set_flags(signal_pipe[0]) < 0 || set_flags(signal_pipe[1]) < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* SA_RESTART keeps a write to a slow reader from failing with EINTR;
	 * poll() still wakes up, because the pipe becomes readable. */
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
		return -errno;
	sa.sa_handler = on_alarm;
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -errno;
	return 0;
}

static void note_output(int r)
{
	if (r < 0 && output_error == 0)
		output_error = r;
}

/* record's output, polled for nothing: a pipe whose reader has gone says
 * POLLERR, which ends the recording then rather than at the next write
 * (or, with SIGPIPE ignored, only at the signal). -1: none. */
static int record_poll_fd = -1;

/* --replay's operand, or NULL: errors met while reading it name it. */
static const char *replay_source;

/* Why the replay failed: the backend's detail, with the file it names once. */
static void print_replay_error(int r, const char *detail)
{
	const char *cause = strerror(-r);
	size_t n = strlen(replay_source), dn, cn = strlen(cause);

	/* an open failure's detail is "PATH: cause", a read's "read: cause" */
	if (strncmp(detail, replay_source, n) == 0 && strncmp(detail + n, ": ", 2) == 0)
		detail += n + 2;
	dn = strlen(detail);
	if (dn >= cn && strcmp(detail + dn - cn, cause) == 0)
		cause = ""; /* the detail says it */
	fprintf(stderr, "routewatch: cannot replay '%s': %s%s%s%s\n", replay_source, cause,
		*cause && *detail ? ": " : "", detail,
		/* the detail, when there is one, says which line and why */
		r == -EPROTO && !*detail ? " (not a routewatch recording, or of a newer version)"
					 : "");
}

/* run_until_stopped()'s loop. */
static int run_loop(struct rtw_ctx *ctx)
{
	for (;;) {
		struct pollfd pfd[3];
		int r;

		if (output_error < 0)
			return output_error;
		pfd[0].fd = rtw_fd(ctx);
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		pfd[1].fd = signal_pipe[0];
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		pfd[2].fd = record_poll_fd; /* poll() skips a negative one */
		pfd[2].events = 0;
		pfd[2].revents = 0;
		if (pfd[0].fd < 0)
			return pfd[0].fd;
		r = poll(pfd, 3, -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[0].revents & POLLNVAL)
			return -EBADF;
		if (pfd[2].revents & (POLLERR | POLLHUP))
			return -EPIPE;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			dispatch_writes = record_poll_fd >= 0 && record_may_block;
			r = rtw_dispatch(ctx);
			dispatch_writes = 0;
			if (r == -ENODATA)
				return 0;
			if (r < 0) {
				if (replay_source) {
					print_replay_error(r, rtw_error_detail(ctx));
					cause_printed = true; /* the error too */
				} else if (*rtw_error_detail(ctx))
					fprintf(stderr, "routewatch: %s\n", rtw_error_detail(ctx));
				return r;
			}
			/* a recording that a write ended (a full disk) stops
			 * the tool now, not at the signal; 0 when none */
			if ((r = rtw_record_error(ctx)) < 0)
				return r;
		}
		if (pfd[1].revents & POLLIN)
			return output_error;
	}
}

/* Polls the context until a signal arrives or a replay ends.
 * Returns 0 then, or -errno. */
static int run_until_stopped(struct rtw_ctx *ctx)
{
	int r = run_loop(ctx);

	/* the writes under way at a signal are done: what follows
	 * (--show-on-exit) has no deadline, but a signal then ends it */
	alarm(0);
	return r;
}

/* scope: the interface of a scoped IPv6 address (ADDR%IF), else 0. */
static int to_sockaddr(const struct rtw_addr *a, uint32_t scope, struct sockaddr_storage *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ret;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->bytes, 4);
		return 0;
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ret;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->bytes, 16);
		sin6->sin6_scope_id = scope;
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* With --replay an interface is the recording's, known once the context
 * has started: parse_address() leaves it as SCOPE_NAMED, and
 * resolve_scope() looks it up in the model. No index is above INT_MAX. */
#define SCOPE_NAMED UINT32_MAX
static bool scope_names_later;

/* The index that the digits of name give (1 to INT_MAX), or 0. */
static uint32_t scope_number(const char *name, size_t len)
{
	unsigned long long n = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		n = n * 10 + (unsigned)(name[i] - '0');
		if (n > INT_MAX)
			return 0;
	}
	return (uint32_t)n;
}

/* An address, IPv6 with an optional %IF (a name or an index, as ping and
 * ip take it; a name first, as if_nametoindex() has it): the interface a
 * link-local address is on, which the library then looks up and watches
 * it through. An interface that does not exist is an error, named or
 * numbered. *ret_scope gets the index, 0, or SCOPE_NAMED. */
static int parse_address(const char *s, struct rtw_addr *ret, uint32_t *ret_scope)
{
	const char *pct = strchr(s, '%');
	char buf[INET6_ADDRSTRLEN];
	char name[IF_NAMESIZE];

	*ret_scope = 0;
	if (!pct) {
		if (rtw_addr_parse(s, ret) < 0) {
			fprintf(stderr, "routewatch: not an IP address: '%s'\n", s);
			return -EINVAL;
		}
		return 0;
	}
	if ((size_t)(pct - s) >= sizeof(buf)) {
		fprintf(stderr, "routewatch: not an IP address: '%s'\n", s);
		return -EINVAL;
	}
	memcpy(buf, s, (size_t)(pct - s));
	buf[pct - s] = '\0';
	if (rtw_addr_parse(buf, ret) < 0 || ret->family != AF_INET6) {
		fprintf(stderr, "routewatch: not an IPv6 address with a scope: '%s'\n", s);
		return -EINVAL;
	}
	if (scope_names_later && pct[1]) {
		*ret_scope = SCOPE_NAMED;
		return 0;
	}
	if (pct[1]) {
		*ret_scope = if_nametoindex(pct + 1);
		if (*ret_scope == 0) {
			*ret_scope = scope_number(pct + 1, strlen(pct + 1));
			if (*ret_scope && !if_indextoname(*ret_scope, name))
				*ret_scope = 0;
		}
	}
	if (*ret_scope == 0) {
		fprintf(stderr, "routewatch: no such interface: '%s'\n", s);
		return -EINVAL;
	}
	return 0;
}

struct link_by_name {
	const char *name;
	size_t len;
	int ifindex;   /* the link of that name */
	int number;    /* the index the name's digits give, or 0 */
	bool numbered; /* some link has that index */
};

static int match_link_name(const struct rtw_link *l, void *user)
{
	struct link_by_name *q = user;

	if (l->ifindex == q->number)
		q->numbered = true;
	if (strlen(l->name) != q->len || memcmp(l->name, q->name, q->len) != 0)
		return 0;
	q->ifindex = l->ifindex;
	return 1;
}

/* A SCOPE_NAMED scope of text ("ADDR%IF", followed by one of stop and more
 * where stop is not "") as the index of the model's link of that name,
 * else of that index, as parse_address() does on this host. Returns 0 or
 * -EINVAL (said). */
static int resolve_scope(struct rtw_ctx *ctx, const char *text, const char *stop, uint32_t *scope)
{
	struct link_by_name q = { 0 };
	const char *pct = strchr(text, '%');

	if (*scope != SCOPE_NAMED)
		return 0;
	q.name = pct + 1;
	q.len = strcspn(q.name, stop);
	q.number = (int)scope_number(q.name, q.len);
	rtw_foreach_link(ctx, match_link_name, &q);
	if (q.ifindex <= 0 && q.number > 0 && q.numbered)
		q.ifindex = q.number;
	if (q.ifindex <= 0) {
		fprintf(stderr, "routewatch: no such interface in the recording: '%.*s'\n",
			(int)(q.name + q.len - text), text);
		return -EINVAL;
	}
	*scope = (uint32_t)q.ifindex;
	return 0;
}

static void print_errno(const char *what, int r)
{
	fprintf(stderr, "routewatch: %s: %s\n", what, strerror(-r));
	cause_printed = true;
}

/* A command's failure, unless its cause was printed already (a replay
 * error names the file, the line and the error). */
static void print_failure(const char *what, int r)
{
	if (!cause_printed)
		print_errno(what, r);
}

/* A descriptor 0-2 that is closed would go to the first one the tool opens
 * (the kernel socket, which then gets the output). Each is opened on
 * /dev/null the wrong way round, so that a write to it fails and says so. */
static void hold_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) < 0)
			return;
}

/* Creates and starts the context; prints the cause on failure. */
static struct rtw_ctx *open_context(const struct args *a)
{
	struct rtw_options opt;
	struct rtw_ctx *ctx;
	int r;

	memset(&opt, 0, sizeof(opt));
	opt.replay_path = a->replay;
	replay_source = a->replay;
	opt.rcvbuf = a->rcvbuf;
	ctx = rtw_new(&opt);
	if (ctx == NULL) {
		print_errno("cannot create a context", -errno);
		return NULL;
	}
	r = rtw_start(ctx);
	if (r < 0) {
		if (a->replay != NULL)
			print_replay_error(r, rtw_error_detail(ctx));
		else if (r == -EPERM || r == -EACCES)
			fprintf(stderr,
				"routewatch: no permission to open the routing socket (%s "
				"backend): %s\n",
				rtw_backend_name(), strerror(-r));
		else
			fprintf(stderr,
				"routewatch: cannot read the routing table (%s backend): %s\n",
				rtw_backend_name(), strerror(-r));
		rtw_free(ctx);
		return NULL;
	}
	return ctx;
}

struct route_filter {
	const struct printer *p;
	int family;
	bool all_tables;
	uint32_t table;
	unsigned count;
};

static int print_one_route(const struct rtw_route *r, void *user)
{
	struct route_filter *flt = user;
	const struct printer *p = flt->p;
	int r_out = 0;

	if (flt->family != AF_UNSPEC && r->dst.addr.family != flt->family)
		return 0;
	if (!flt->all_tables && r->table != flt->table)
		return 0;
	if (p->json) {
		fputs(flt->count > 0 ? ",{" : "{", p->f);
		json_route_fields(p, r);
		fputc('}', p->f);
	} else {
		text_route(p, r);
		r_out = end_line(p);
	}
	flt->count++;
	return r_out;
}

static int print_routes(const struct printer *p, struct route_filter *flt)
{
	int r;

	/* JSON is one line, written out as it grows: any write of it may wait
	 * for a reader (on_signal()); end_line() ends that */
	if (p->json) {
		print_flushing = 1;
		fputs("{\"routes\":[", p->f);
	}
	/* Text lines are flushed one by one; a write error stops the walk. */
	r = rtw_foreach_route(p->ctx, print_one_route, flt);
	if (r < 0) {
		print_flushing = 0;
		return r;
	}
	if (p->json) {
		fputs("]}", p->f);
		return end_line(p);
	}
	return 0;
}

/* Table ids name FIBs on the BSDs, where "main" means nothing. */
static bool default_all_tables(void)
{
	return strcmp(rtw_backend_name(), "pfroute") == 0;
}

static int cmd_show(struct rtw_ctx *ctx, const struct args *a)
{
	struct printer p = { stdout, a->json, ctx };
	struct route_filter flt = { &p, a->family, a->all_tables, a->table, 0 };

	if (!a->table_given)
		flt.all_tables = default_all_tables();
	else if (a->table == 0 && !default_all_tables())
		flt.all_tables = true; /* all to ip(8): Linux has no table 0; FIB 0 on the BSDs */
	return print_routes(&p, &flt);
}

static const char *lookup_reason(int r, const struct rtw_route *route, bool have_route)
{
	if (r == -ENETUNREACH)
		return rtw_reason_str(RTW_REASON_NO_ROUTE);
	if (have_route && (route->flags & RTW_ROUTE_F_LINKDOWN))
		return rtw_reason_str(RTW_REASON_LINK_DOWN);
	return rtw_reason_str(RTW_REASON_UNREACHABLE);
}

static int cmd_get(struct rtw_ctx *ctx, const struct args *a, const struct rtw_addr *addrs,
		   const uint32_t *scopes)
{
	struct printer p = { stdout, a->json, ctx };
	int i;

	for (i = 0; i < a->n_operands; i++) {
		struct rtw_route route;
		struct sockaddr_storage sa;
		char text[64];
		const char *shown;
		int r;

		memset(&route, 0, sizeof(route));
		route.dst.addr.family = AF_UNSPEC;
		/* The sockaddr form, which looks up a v4-mapped address as IPv4. */
		r = to_sockaddr(&addrs[i], scopes[i], &sa);
		if (r == 0)
			r = rtw_lookup(ctx, (const struct sockaddr *)&sa, &route);
		if (r < 0 && r != -ENETUNREACH && r != -EHOSTUNREACH) {
			fprintf(stderr, "routewatch: lookup of '%s' failed: %s\n", a->operands[i],
				strerror(-r));
			cause_printed = true;
			return r;
		}
		/* a scoped operand as given, whatever its length */
		shown = text;
		if (rtw_addr_format(&addrs[i], text, sizeof(text)) < 0 || scopes[i])
			shown = a->operands[i];
		if (a->json) {
			fputs("{\"addr\":", p.f);
			json_string(p.f, shown);
			if (r == 0) {
				fputs(",\"routable\":true,", p.f);
				json_route_fields(&p, &route);
			} else {
				fputs(",\"routable\":false,\"reason\":", p.f);
				json_string(p.f, lookup_reason(r, &route,
							       route.dst.addr.family != AF_UNSPEC));
			}
			fputc('}', p.f);
		} else if (r == 0) {
			fprintf(p.f, "%s routable: ", shown);
			text_route(&p, &route);
		} else {
			fprintf(p.f, "%s unroutable: %s", shown,
				lookup_reason(r, &route, route.dst.addr.family != AF_UNSPEC));
		}
		r = end_line(&p);
		if (r < 0)
			return r;
	}
	return 0;
}

static const char *notice_event_name(enum rtw_notice_type t)
{
	switch (t) {
	case RTW_NOTICE_ROUTE_ADD:
		return "route-add";
	case RTW_NOTICE_ROUTE_DEL:
		return "route-del";
	case RTW_NOTICE_LINK_UP:
		return "link-up";
	case RTW_NOTICE_LINK_DOWN:
		return "link-down";
	case RTW_NOTICE_LINK_GONE:
		return "link-gone";
	case RTW_NOTICE_ADDR_ADD:
		return "addr-add";
	case RTW_NOTICE_ADDR_DEL:
		return "addr-del";
	case RTW_NOTICE_RESYNC:
		return "resync";
	case RTW_NOTICE_CPDCHECK:
		break;
	}
	return NULL;
}

static void print_link_event(const struct printer *p, const char *event, const struct rtw_link *l)
{
	size_t len = strnlen(l->name, sizeof(l->name));

	if (p->json) {
		fprintf(p->f, "{\"event\":\"%s\",\"ifindex\":%d,\"ifname\":", event, l->ifindex);
		json_string_n(p->f, l->name, len);
		fprintf(p->f, ",\"admin_up\":%s,\"carrier_up\":%s}", l->admin_up ? "true" : "false",
			l->carrier_up ? "true" : "false");
	} else {
		fprintf(p->f, "%s %.*s ifindex %d admin %s carrier %s", event, (int)len, l->name,
			l->ifindex, l->admin_up ? "up" : "down", l->carrier_up ? "up" : "down");
	}
}

static void print_address_event(const struct printer *p, const char *event,
				const struct rtw_address *ad)
{
	struct rtw_link link;
	bool named = rtw_get_link(p->ctx, ad->ifindex, &link) == 0;
	char text[64];

	link.name[sizeof(link.name) - 1] = '\0';
	if (p->json) {
		fprintf(p->f, "{\"event\":\"%s\",\"family\":", event);
		json_string(p->f, family_name(ad->prefix.addr.family) != NULL
				      ? family_name(ad->prefix.addr.family)
				      : "unknown");
		fputs(",\"address\":", p->f);
		json_prefix(p->f, &ad->prefix);
		fprintf(p->f, ",\"ifindex\":%d,\"dev\":", ad->ifindex);
		if (named)
			json_string(p->f, link.name);
		else
			fputs("null", p->f);
		fputs(",\"flags\":[", p->f);
		fputs((ad->flags & RTW_ADDR_F_TEMPORARY) ? "\"temporary\"" : "", p->f);
		if ((ad->flags & RTW_ADDR_F_DEPRECATED))
			fputs((ad->flags & RTW_ADDR_F_TEMPORARY) ? ",\"deprecated\""
								 : "\"deprecated\"",
			      p->f);
		if ((ad->flags & RTW_ADDR_F_TENTATIVE))
			fputs((ad->flags & (RTW_ADDR_F_TEMPORARY | RTW_ADDR_F_DEPRECATED))
				  ? ",\"tentative\""
				  : "\"tentative\"",
			      p->f);
		fputs("]}", p->f);
	} else {
		if (rtw_prefix_format(&ad->prefix, text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "?");
		if (named)
			fprintf(p->f, "%s %s dev %s", event, text, link.name);
		else
			fprintf(p->f, "%s %s dev if%d", event, text, ad->ifindex);
		/* as ip addr has them: the end of DAD is an addr-add without
		 * tentative */
		if (ad->flags & RTW_ADDR_F_TEMPORARY)
			fputs(" temporary", p->f);
		if (ad->flags & RTW_ADDR_F_DEPRECATED)
			fputs(" deprecated", p->f);
		if (ad->flags & RTW_ADDR_F_TENTATIVE)
			fputs(" tentative", p->f);
	}
}

/* monitor: the normalized event first, then the notice as the library wrote
 * it, so that scripts can key on either. */
static void on_monitor_notice(const struct rtw_notice *n, const char *json, void *user)
{
	const struct printer *p = user;
	const char *event = notice_event_name(n->type);

	if (event != NULL) {
		if (n->route != NULL &&
		    (n->type == RTW_NOTICE_ROUTE_ADD || n->type == RTW_NOTICE_ROUTE_DEL)) {
			if (p->json) {
				fprintf(p->f, "{\"event\":\"%s\",", event);
				json_route_fields(p, n->route);
				fputc('}', p->f);
			} else {
				fprintf(p->f, "%s ", event);
				text_route(p, n->route);
			}
		} else if (n->link != NULL) {
			print_link_event(p, event, n->link);
		} else if (n->address != NULL) {
			print_address_event(p, event, n->address);
		} else if (p->json) {
			fprintf(p->f, "{\"event\":\"%s\"}", event);
		} else {
			fputs(event, p->f);
		}
		note_output(end_line(p));
	}
	fputs(p->json ? "" : "notice ", p->f);
	fputs(json, p->f);
	note_output(end_line(p));
}

static int cmd_monitor(struct rtw_ctx *ctx, const struct args *a)
{
	struct printer p = { stdout, a->json, ctx };
	int r;

	rtw_set_notice_cb(ctx, on_monitor_notice, &p);
	r = run_until_stopped(ctx);
	rtw_set_notice_cb(ctx, NULL, NULL);
	if (r < 0) {
		print_failure("monitoring failed", r);
		return r;
	}
	if (a->show_on_exit) {
		struct route_filter flt = { &p, AF_UNSPEC, true, 0, 0 };

		r = print_routes(&p, &flt);
	}
	return r;
}

struct watched {
	struct printer *p;
	const char *peer_text; /* the operand, as the user wrote it */
	struct rtw_addr peer;
	struct rtw_addr local;		  /* AF_UNSPEC when not given */
	uint32_t peer_scope, local_scope; /* ADDR%IF's interface, or 0 */
	struct rtw_watch *watch;
};

/* a, with the interface of its scope (fe80::1%eth0): the model's name
 * (a recording's links are not this host's), else this host's, else the
 * index. */
static void scoped_text(const struct watched *w, const struct rtw_addr *a, uint32_t scope,
			char *buf, size_t size)
{
	char name[IF_NAMESIZE];
	struct rtw_link l;
	const char *known;
	size_t n;

	if (rtw_addr_format(a, buf, size) < 0)
		snprintf(buf, size, "?");
	if (!scope)
		return;
	known = link_name(w->p, (int)scope, &l);
	n = strlen(buf);
	if (known)
		snprintf(buf + n, size - n, "%%%s", known);
	else if (if_indextoname(scope, name))
		snprintf(buf + n, size - n, "%%%s", name);
	else
		snprintf(buf + n, size - n, "%%%u", scope);
}

/* The text of an address as scoped_text() makes it. */
#define SCOPED_TEXT_SIZE (INET6_ADDRSTRLEN + 1 + sizeof(((struct rtw_link *)0)->name))

static void json_scoped(const struct watched *w, const struct rtw_addr *a, uint32_t scope)
{
	char text[SCOPED_TEXT_SIZE];

	if (!scope) { /* null for AF_UNSPEC */
		json_addr(w->p->f, a);
		return;
	}
	scoped_text(w, a, scope, text, sizeof(text));
	json_string(w->p->f, text);
}

static void print_peer(const struct watched *w)
{
	FILE *f = w->p->f;

	fputs("\"peer\":", f);
	json_scoped(w, &w->peer, w->peer_scope);
	fputs(",\"local\":", f);
	json_scoped(w, &w->local, w->local_scope);
}

static void text_peer(const struct watched *w)
{
	char peer[SCOPED_TEXT_SIZE], local[SCOPED_TEXT_SIZE];

	scoped_text(w, &w->peer, w->peer_scope, peer, sizeof(peer));
	if (w->local.family == AF_UNSPEC) {
		fputs(peer, w->p->f);
		return;
	}
	scoped_text(w, &w->local, w->local_scope, local, sizeof(local));
	fprintf(w->p->f, "%s from %s", peer, local);
}

static void on_invalidated(struct rtw_watch *watch, enum rtw_reason reason, void *user)
{
	struct watched *w = user;

	(void)watch;
	if (w->p->json) {
		/* The issue fixed this line's fields: peer and reason only. */
		fputs("{\"event\":\"invalidated\",\"peer\":", w->p->f);
		json_scoped(w, &w->peer, w->peer_scope);
		fputs(",\"reason\":", w->p->f);
		json_string(w->p->f, rtw_reason_str(reason));
		fputc('}', w->p->f);
	} else {
		fputs("invalidated ", w->p->f);
		text_peer(w);
		fprintf(w->p->f, ": %s", rtw_reason_str(reason));
	}
	note_output(end_line(w->p));
}

static void on_watch_notice(const struct rtw_notice *n, const char *json, void *user)
{
	const struct printer *p = user;

	(void)n;
	fputs(p->json ? "" : "notice ", p->f);
	fputs(json, p->f);
	note_output(end_line(p));
}

static int print_watch_status(const struct watched *w)
{
	struct rtw_route route;
	enum rtw_reason reason = rtw_watch_status(w->watch, &route);
	const struct printer *p = w->p;

	if (p->json) {
		fputs("{\"event\":\"watch\",", p->f);
		print_peer(w);
		fprintf(p->f, ",\"routable\":%s,", reason == RTW_REASON_NONE ? "true" : "false");
		if (reason == RTW_REASON_NONE) {
			json_route_fields(p, &route);
		} else {
			fputs("\"reason\":", p->f);
			json_string(p->f, rtw_reason_str(reason));
		}
		fputc('}', p->f);
	} else {
		fputs("watch ", p->f);
		text_peer(w);
		if (reason == RTW_REASON_NONE) {
			fputs(" routable: ", p->f);
			text_route(p, &route);
		} else {
			fprintf(p->f, " unroutable: %s", rtw_reason_str(reason));
		}
	}
	return end_line(p);
}

/* The family an address is looked up and watched in: a v4-mapped IPv6
 * address is IPv4 to the library. */
static int lookup_family(const struct rtw_addr *a)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (a->family == AF_INET6 && memcmp(a->bytes, v4mapped, 12) == 0)
		return AF_INET;
	return a->family;
}

static bool addr_is_any(const struct rtw_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->bytes, zero, sizeof(zero)) == 0;
}

/* Checks every PEER[,LOCAL] before anything is opened. */
static int parse_watch_operands(const struct args *a, struct printer *p, struct watched *ret)
{
	int i;

	for (i = 0; i < a->n_operands; i++) {
		char *op = a->operands[i];
		char *comma = strchr(op, ',');
		int r;

		ret[i].p = p;
		ret[i].peer_text = op;
		ret[i].local.family = AF_UNSPEC;
		if (comma != NULL)
			*comma = '\0';
		r = parse_address(op, &ret[i].peer, &ret[i].peer_scope);
		if (r == 0 && comma != NULL)
			r = parse_address(comma + 1, &ret[i].local, &ret[i].local_scope);
		if (comma != NULL)
			*comma = ',';
		if (r < 0)
			return r;
		if (comma != NULL && lookup_family(&ret[i].local) != lookup_family(&ret[i].peer)) {
			fprintf(stderr,
				"routewatch: peer and local address are of different "
				"families: '%s'\n",
				op);
			return -EINVAL;
		}
		/* the wildcard (0.0.0.0, ::) is no local address to the
		 * library, so none is shown */
		if (comma != NULL && addr_is_any(&ret[i].local))
			ret[i].local.family = AF_UNSPEC;
	}
	return 0;
}

static int cmd_watch(struct rtw_ctx *ctx, const struct args *a, struct watched *ws)
{
	unsigned flags = a->path_change ? RTW_WATCH_PATH_CHANGE : 0;
	int i, r;

	for (i = 0; i < a->n_operands; i++) {
		struct sockaddr_storage peer, local;
		bool with_local = ws[i].local.family != AF_UNSPEC;

		if (to_sockaddr(&ws[i].peer, ws[i].peer_scope, &peer) < 0 ||
		    (with_local && to_sockaddr(&ws[i].local, ws[i].local_scope, &local) < 0))
			return -EAFNOSUPPORT;
		ws[i].watch = rtw_watch_add(ctx, (struct sockaddr *)&peer,
					    with_local ? (struct sockaddr *)&local : NULL, flags,
					    on_invalidated, &ws[i]);
		if (ws[i].watch == NULL) {
			r = -errno;
			fprintf(stderr, "routewatch: cannot watch '%s': %s\n", ws[i].peer_text,
				strerror(-r));
			return r;
		}
	}
	for (i = 0; i < a->n_operands; i++) {
		r = print_watch_status(&ws[i]);
		if (r < 0)
			return r;
	}
	rtw_set_notice_cb(ctx, on_watch_notice, ws[0].p);
	r = run_until_stopped(ctx);
	rtw_set_notice_cb(ctx, NULL, NULL);
	if (r < 0)
		print_failure("watching failed", r);
	return r;
}

/* Whether the file to record into is the recording being replayed, which
 * the recording would overwrite while it is read. */
static bool records_its_source(const char *replay, const char *path)
{
	struct stat r, w;

	/* "-" replays standard input and records to standard output, either
	 * of which may be the file itself (< FILE, >> FILE); a terminal or a
	 * pipe on both is no file */
	return replay &&
	       (strcmp(replay, "-") == 0 ? fstat(STDIN_FILENO, &r) : stat(replay, &r)) == 0 &&
	       (strcmp(path, "-") == 0 ? fstat(STDOUT_FILENO, &w) : stat(path, &w)) == 0 &&
	       S_ISREG(r.st_mode) && r.st_dev == w.st_dev && r.st_ino == w.st_ino;
}

/* An existing file is not truncated here but once the context has started
 * (record_file_ready()), and one made here is removed if it never starts:
 * a failed start leaves what was there as it was. */
static int open_record_file(const char *path, bool *ret_created)
{
	int fd;

	*ret_created = false;
	if (strcmp(path, "-") == 0)
		return STDOUT_FILENO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0)
		*ret_created = true;
	else if (errno == EEXIST)
		fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		fprintf(stderr, "routewatch: cannot write '%s': %s\n", path, strerror(errno));
		return r;
	}
	return fd;
}

/* What was in an existing file goes once the recording can start. */
static int record_file_ready(int fd, const char *path)
{
	struct stat st;

	if (fd > STDOUT_FILENO && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    ftruncate(fd, 0) < 0) {
		int r = -errno;

		fprintf(stderr, "routewatch: cannot write '%s': %s\n", path, strerror(errno));
		return r;
	}
	return 0;
}

static int cmd_record(struct rtw_ctx *ctx, const struct args *a, int fd)
{
	struct stat st;
	int r, e;

	record_may_block = fstat(fd, &st) < 0 || !S_ISREG(st.st_mode);
	/* the header and the first snapshot may wait for a reader too */
	dispatch_writes = record_may_block;
	r = rtw_record(ctx, fd);
	dispatch_writes = 0;
	if (r < 0) {
		record_start_failed = true;
		print_errno("cannot start recording", r);
		return r;
	}
	record_poll_fd = fd;
	r = run_until_stopped(ctx);
	record_poll_fd = -1;
	if (r < 0)
		print_failure("recording failed", r);
	/* Stop before the caller closes fd, so nothing is written after; a
	 * write that failed on the way ended the recording early */
	e = rtw_record(ctx, -1);
	if (e < 0 && r >= 0) {
		print_errno("recording failed", e);
		r = e;
	}
	(void)a;
	return r;
}

int main(int argc, char **argv)
{
	struct args a;
	struct rtw_addr *addrs = NULL;
	uint32_t *scopes = NULL;
	struct watched *ws = NULL;
	struct printer watch_printer;
	struct rtw_ctx *ctx = NULL;
	int record_fd = -1;
	bool record_created = false;
	int r, k, status = EXIT_SUCCESS;

	hold_std_fds();
	r = args_parse(argc, argv, &a, stderr);
	if (r < 0) {
		if (r == -ENOMEM)
			print_errno("cannot parse the command line", r);
		args_free(&a);
		return r == -ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
	}
	if (a.help || a.version) {
		if (a.help)
			usage(stdout);
		else
			printf("routewatch %s (backend %s)\n", rtw_version(), rtw_backend_name());
		args_free(&a);
		/* a failed write is an error here too (/dev/full, closed) */
		if (fflush(stdout) != 0 || ferror(stdout)) {
			print_errno("cannot write the output", errno > 0 ? -errno : -EIO);
			return EXIT_RUNTIME;
		}
		return EXIT_SUCCESS;
	}

	/* Bad operands are usage errors: check them all before opening. */
	scope_names_later = a.replay != NULL;
	if (a.command == CMD_GET) {
		int i;

		addrs = calloc((size_t)a.n_operands, sizeof(*addrs));
		scopes = calloc((size_t)a.n_operands, sizeof(*scopes));
		if (addrs == NULL || scopes == NULL) {
			status = EXIT_RUNTIME;
			print_errno("out of memory", -ENOMEM);
			goto out;
		}
		for (i = 0; i < a.n_operands; i++) {
			if (parse_address(a.operands[i], &addrs[i], &scopes[i]) < 0) {
				status = EXIT_USAGE;
				goto out;
			}
		}
	} else if (a.command == CMD_WATCH) {
		watch_printer.f = stdout;
		watch_printer.json = a.json;
		watch_printer.ctx = NULL;
		ws = calloc((size_t)a.n_operands, sizeof(*ws));
		if (ws == NULL) {
			status = EXIT_RUNTIME;
			print_errno("out of memory", -ENOMEM);
			goto out;
		}
		if (parse_watch_operands(&a, &watch_printer, ws) < 0) {
			status = EXIT_USAGE;
			goto out;
		}
	} else if (a.command == CMD_RECORD) {
		if (records_its_source(a.replay, a.operands[0])) {
			fprintf(stderr,
				"routewatch: cannot record into '%s': it is the recording "
				"being replayed\n",
				a.operands[0]);
			status = EXIT_USAGE;
			goto out;
		}
		record_fd = open_record_file(a.operands[0], &record_created);
		if (record_fd < 0) {
			status = EXIT_RUNTIME;
			goto out;
		}
	}

	if (a.command == CMD_MONITOR || a.command == CMD_WATCH || a.command == CMD_RECORD) {
		/* every line out in end_line() (see on_signal()), not when a
		 * long one fills a smaller buffer */
		setvbuf(stdout, NULL, _IOFBF, (size_t)1 << 16);
		r = signals_install();
		if (r < 0) {
			print_errno("cannot set up signal handling", r);
			status = EXIT_RUNTIME;
			goto out;
		}
	}

	ctx = open_context(&a);
	if (ctx == NULL) {
		status = EXIT_RUNTIME;
		goto out;
	}
	watch_printer.ctx = ctx;
	/* interface names a replay's operands gave (SCOPE_NAMED) */
	for (k = 0; k < a.n_operands && status == EXIT_SUCCESS; k++) {
		const char *comma;

		if (a.command == CMD_GET && resolve_scope(ctx, a.operands[k], "", &scopes[k]) < 0)
			status = EXIT_USAGE;
		if (a.command != CMD_WATCH)
			continue;
		comma = strchr(ws[k].peer_text, ',');
		if (resolve_scope(ctx, ws[k].peer_text, ",", &ws[k].peer_scope) < 0 ||
		    (comma && resolve_scope(ctx, comma + 1, ",", &ws[k].local_scope) < 0))
			status = EXIT_USAGE;
	}
	if (status != EXIT_SUCCESS)
		goto out;

	switch (a.command) {
	case CMD_SHOW:
		r = cmd_show(ctx, &a);
		break;
	case CMD_GET:
		r = cmd_get(ctx, &a, addrs, scopes);
		break;
	case CMD_MONITOR:
		r = cmd_monitor(ctx, &a);
		break;
	case CMD_WATCH:
		r = cmd_watch(ctx, &a, ws);
		break;
	case CMD_RECORD:
		r = record_file_ready(record_fd, a.operands[0]);
		if (r == 0)
			r = cmd_record(ctx, &a, record_fd);
		break;
	default:
		r = -EINVAL;
		break;
	}
	if (r < 0) {
		status = EXIT_RUNTIME;
		print_failure("cannot write the output", r);
	}

out:
	rtw_free(ctx);
	if (record_fd > STDOUT_FILENO && close(record_fd) < 0 && status == EXIT_SUCCESS) {
		fprintf(stderr, "routewatch: cannot write '%s': %s\n", a.operands[0],
			strerror(errno));
		status = EXIT_RUNTIME;
	}
	/* A recording that never got its header, or its first snapshot, would
	 * only confuse a later --replay; a file that was there stays. */
	if (record_created && (ctx == NULL || record_start_failed))
		unlink(a.operands[0]);
	free(addrs);
	free(scopes);
	free(ws);
	args_free(&a);
	return status;
}
