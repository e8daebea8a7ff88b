/* tools/print.h: how the routewatch tool writes routes, links, addresses and
 * watch results, as ip(8)-like text or as JSON with the names of `ip -j`. */
#ifndef RTW_TOOL_PRINT_H
#define RTW_TOOL_PRINT_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "routewatch.h"

/* Set while end_line() writes the output out: a signal handler may then
 * end the tool rather than wait for a reader that stopped reading. */
extern volatile sig_atomic_t print_flushing;

struct printer {
	FILE *f;
	bool json;
	/* Used to turn ifindexes into names; NULL prints no names. */
	const struct rtw_ctx *ctx;
};

/* JSON building blocks. */
void json_string(FILE *f, const char *s);
void json_string_n(FILE *f, const char *s, size_t len);
void json_addr(FILE *f, const struct rtw_addr *a); /* null when AF_UNSPEC */
void json_prefix(FILE *f, const struct rtw_prefix *p);

/* The ROUTE fields as `"family":...,...,"flags":[...]`, without braces, so
 * that callers can embed them in their own objects. */
void json_route_fields(const struct printer *p, const struct rtw_route *r);

/* One route as `ip route` prints it (no newline). */
void text_route(const struct printer *p, const struct rtw_route *r);

/* Names as iproute2 spells them; NULL for numbers it has no name for. */
const char *family_name(int family);
const char *protocol_name(unsigned protocol);
const char *scope_name(unsigned scope);
const char *table_name(uint32_t table);
/* The interface name the model has for ifindex (in *storage), or NULL. */
const char *link_name(const struct printer *p, int ifindex, struct rtw_link *storage);

/* End a line and flush it at once, so that a pipe reader sees every event as
 * it happens. Returns 0, or -errno when standard output failed. */
int end_line(const struct printer *p);

#endif
