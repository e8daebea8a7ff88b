/* tools/print.c: the routewatch tool's output formats: iproute2-style text and
 * JSON using the field names of `ip -j route`, so that existing jq scripts
 * carry over. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "print.h"
#include "utf8.h"

const char *family_name(int family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	default:
		return NULL;
	}
}

/* The reserved entries of iproute2's rt_protos file. */
const char *protocol_name(unsigned protocol)
{
	static const struct {
		unsigned number;
		const char *name;
	} names[] = {
		{ 0, "unspec" }, { 1, "redirect" }, { 2, "kernel" },	  { 3, "boot" },
		{ 4, "static" }, { 8, "gated" },    { 9, "ra" },	  { 10, "mrt" },
		{ 11, "zebra" }, { 12, "bird" },    { 13, "dnrouted" },	  { 14, "xorp" },
		{ 15, "ntk" },	 { 16, "dhcp" },    { 18, "keepalived" }, { 42, "babel" },
		{ 99, "openr" }, { 186, "bgp" },    { 187, "isis" },	  { 188, "ospf" },
		{ 189, "rip" },	 { 192, "eigrp" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].number == protocol)
			return names[i].name;
	return NULL;
}

const char *scope_name(unsigned scope)
{
	switch (scope) {
	case 0:
		return "global";
	case 200:
		return "site";
	case 253:
		return "link";
	case 254:
		return "host";
	case 255:
		return "nowhere";
	default:
		return NULL;
	}
}

const char *table_name(uint32_t table)
{
	switch (table) {
	case RTW_TABLE_DEFAULT:
		return "default";
	case RTW_TABLE_MAIN:
		return "main";
	case RTW_TABLE_LOCAL:
		return "local";
	default:
		return NULL;
	}
}

void json_string_n(FILE *f, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	fputc('"', f);
	while (i < len) {
		size_t n;

		if (u[i] == '"' || u[i] == '\\') {
			fprintf(f, "\\%c", u[i]);
			i++;
			continue;
		}
		if (u[i] < 0x20 || u[i] == 0x7f) {
			fprintf(f, "\\u%04x", u[i]);
			i++;
			continue;
		}
		n = rtw_utf8_len(u + i, len - i);
		if (n == 0) {
			/* Not UTF-8: show the byte as the Latin-1 character of that
			 * number rather than emit invalid JSON. */
			fprintf(f, "\\u%04x", u[i]);
			i++;
			continue;
		}
		fwrite(u + i, 1, n, f);
		i += n;
	}
	fputc('"', f);
}

void json_string(FILE *f, const char *s)
{
	json_string_n(f, s, strlen(s));
}

void json_addr(FILE *f, const struct rtw_addr *a)
{
	char buf[64];

	if (a->family == AF_UNSPEC || rtw_addr_format(a, buf, sizeof(buf)) < 0) {
		fputs("null", f);
		return;
	}
	json_string(f, buf);
}

void json_prefix(FILE *f, const struct rtw_prefix *p)
{
	char buf[64];

	if (rtw_prefix_format(p, buf, sizeof(buf)) < 0) {
		fputs("null", f);
		return;
	}
	json_string(f, buf);
}

const char *link_name(const struct printer *p, int ifindex, struct rtw_link *storage)
{
	if (p->ctx == NULL || ifindex <= 0 || rtw_get_link(p->ctx, ifindex, storage) < 0)
		return NULL;
	storage->name[sizeof(storage->name) - 1] = '\0';
	return storage->name;
}

static void json_name_or_number(FILE *f, const char *name, unsigned number)
{
	if (name != NULL)
		json_string(f, name);
	else
		fprintf(f, "%u", number);
}

static void json_dev(const struct printer *p, int ifindex)
{
	struct rtw_link link;
	const char *name = link_name(p, ifindex, &link);

	if (name != NULL)
		json_string(p->f, name);
	else
		fputs("null", p->f);
}

static void json_nexthop_flags(FILE *f, unsigned flags)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ RTW_NH_ONLINK, "onlink" },
		{ RTW_NH_LINKDOWN, "linkdown" },
		{ RTW_NH_DEAD, "dead" },
		{ RTW_NH_PERVASIVE, "pervasive" },
	};
	const char *sep = "";
	size_t i;

	fputc('[', f);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (flags & names[i].bit) {
			fprintf(f, "%s\"%s\"", sep, names[i].name);
			sep = ",";
		}
	}
	fputc(']', f);
}

void json_route_fields(const struct printer *p, const struct rtw_route *r)
{
	FILE *f = p->f;
	const struct rtw_nexthop *first = r->n_nexthops > 0 ? &r->nexthops[0] : NULL;
	const char *family = family_name(r->dst.addr.family);
	unsigned i;

	fputs("\"family\":", f);
	json_name_or_number(f, family, r->dst.addr.family);
	fprintf(f, ",\"table\":%lu,\"type\":", (unsigned long)r->table);
	json_string(f, rtw_route_type_str(r->type));
	fputs(",\"dst\":", f);
	json_prefix(f, &r->dst);
	/* tos is part of an IPv4 route's key: two routes may differ in it alone */
	fprintf(f, ",\"metric\":%lu,\"tos\":%u,\"protocol\":", (unsigned long)r->metric,
		(unsigned)r->tos);
	json_name_or_number(f, protocol_name(r->protocol), r->protocol);
	fputs(",\"scope\":", f);
	json_name_or_number(f, scope_name(r->scope), r->scope);
	fputs(",\"prefsrc\":", f);
	json_addr(f, &r->prefsrc);
	fputs(",\"pref\":", f);
	if (r->dst.addr.family == AF_INET6)
		json_string(f, addr_pref_word(r->pref));
	else
		fputs("null", f);
	fputs(",\"gateway\":", f);
	if (first != NULL)
		json_addr(f, &first->gateway);
	else
		fputs("null", f);
	fputs(",\"dev\":", f);
	if (first != NULL)
		json_dev(p, first->ifindex);
	else
		fputs("null", f);
	fputs(",\"nexthops\":[", f);
	for (i = 0; i < r->n_nexthops; i++) {
		const struct rtw_nexthop *nh = &r->nexthops[i];

		fputs(i > 0 ? ",{\"gateway\":" : "{\"gateway\":", f);
		json_addr(f, &nh->gateway);
		fputs(",\"dev\":", f);
		json_dev(p, nh->ifindex);
		fprintf(f, ",\"ifindex\":%d,\"weight\":%u,\"flags\":", nh->ifindex,
			(unsigned)nh->weight);
		json_nexthop_flags(f, nh->flags);
		fputc('}', f);
	}
	fputs("],\"flags\":[", f);
	if (r->flags & RTW_ROUTE_F_LINKDOWN)
		fputs("\"linkdown\"", f);
	fputc(']', f);
}

static void text_addr(FILE *f, const struct rtw_addr *a)
{
	char buf[64];

	if (rtw_addr_format(a, buf, sizeof(buf)) < 0)
		fputs("?", f);
	else
		fputs(buf, f);
}

/* family: the route's. A gateway of the other family (an IPv4 route via an
 * IPv6 neighbour, RFC 5549) is named with its family, as ip(8) does. */
static void text_hop(const struct printer *p, int family, const struct rtw_nexthop *nh,
		     bool multipath)
{
	struct rtw_link link;
	const char *name = link_name(p, nh->ifindex, &link);

	if (nh->gateway.family != AF_UNSPEC) {
		fputs(" via ", p->f);
		if (nh->gateway.family != family)
			fprintf(p->f, "%s ", family_name(nh->gateway.family));
		text_addr(p->f, &nh->gateway);
	}
	if (name != NULL)
		fprintf(p->f, " dev %s", name);
	else if (nh->ifindex > 0)
		fprintf(p->f, " dev if%d", nh->ifindex);
	if (multipath)
		fprintf(p->f, " weight %u", (unsigned)nh->weight);
}

/* A hop's flags where ip route printed them on 6.18: after the metric of a
 * route of one hop, after the weight of each path, dead before linkdown
 * (pervasive, not seen, is put where iproute2's print_rt_flags() has it). */
static void text_hop_flags(FILE *f, unsigned flags)
{
	if (flags & RTW_NH_DEAD)
		fputs(" dead", f);
	if (flags & RTW_NH_ONLINK)
		fputs(" onlink", f);
	if (flags & RTW_NH_PERVASIVE)
		fputs(" pervasive", f);
	if (flags & RTW_NH_LINKDOWN)
		fputs(" linkdown", f);
}

/* Follows `ip route`: the type only when not unicast, the table only when
 * not main, proto unless boot, scope unless global. */
void text_route(const struct printer *p, const struct rtw_route *r)
{
	FILE *f = p->f;
	const char *name;
	unsigned i;

	if (r->type != RTW_ROUTE_UNICAST)
		fprintf(f, "%s ", rtw_route_type_str(r->type));
	if (r->dst.len == 0) {
		fputs("default", f);
	} else {
		char buf[64];
		bool host = r->dst.len == (r->dst.addr.family == AF_INET ? 32 : 128);

		if (host)
			text_addr(f, &r->dst.addr);
		else if (rtw_prefix_format(&r->dst, buf, sizeof(buf)) >= 0)
			fputs(buf, f);
		else
			fputs("?", f);
	}
	if (r->tos)
		fprintf(f, " tos 0x%02x", (unsigned)r->tos);
	if (r->nhid)
		fprintf(f, " nhid %lu", (unsigned long)r->nhid);
	if (r->n_nexthops == 1)
		text_hop(p, r->dst.addr.family, &r->nexthops[0], false);
	if (r->table != RTW_TABLE_MAIN) {
		name = table_name(r->table);
		if (name != NULL)
			fprintf(f, " table %s", name);
		else
			fprintf(f, " table %lu", (unsigned long)r->table);
	}
	if (r->protocol != 3) {
		name = protocol_name(r->protocol);
		if (name != NULL)
			fprintf(f, " proto %s", name);
		else
			fprintf(f, " proto %u", (unsigned)r->protocol);
	}
	if (r->scope != 0) {
		name = scope_name(r->scope);
		if (name != NULL)
			fprintf(f, " scope %s", name);
		else
			fprintf(f, " scope %u", (unsigned)r->scope);
	}
	if (r->prefsrc.family != AF_UNSPEC) {
		fputs(" src ", f);
		text_addr(f, &r->prefsrc);
	}
	/* Linux gives every IPv6 route a metric, and ip(8) prints it */
	if (r->metric != 0 || r->dst.addr.family == AF_INET6)
		fprintf(f, " metric %lu", (unsigned long)r->metric);
	if (r->n_nexthops == 1)
		text_hop_flags(f, r->nexthops[0].flags |
				      (r->flags & RTW_ROUTE_F_LINKDOWN ? RTW_NH_LINKDOWN : 0));
	else if (r->flags & RTW_ROUTE_F_LINKDOWN)
		fputs(" linkdown", f);
	/* ip(8) puts each hop of a multipath route on its own line; one line
	 * per route keeps the output greppable. */
	if (r->n_nexthops > 1) {
		for (i = 0; i < r->n_nexthops; i++) {
			fputs(" nexthop", f);
			text_hop(p, r->dst.addr.family, &r->nexthops[i], true);
			text_hop_flags(f, r->nexthops[i].flags);
		}
	}
	/* Linux reports it for every IPv6 route, and ip(8) prints it last */
	if (r->dst.addr.family == AF_INET6)
		fprintf(f, " pref %s", addr_pref_word(r->pref));
}

volatile sig_atomic_t print_flushing;

int end_line(const struct printer *p)
{
	int r;

	fputc('\n', p->f);
	print_flushing = 1;
	r = fflush(p->f);
	print_flushing = 0;
	if (r != 0 || ferror(p->f))
		return errno > 0 ? -errno : -EIO;
	return 0;
}
