/* core/notice.c: the notification messages, as structured values and as
 * JSON text. The route and cpdcheck texts are exactly those of the lws
 * system-message convention, so existing consumers keep working. */
#include <stdio.h>
#include <string.h>

#include "ctx.h"
#include "utf8.h"

static void emit(struct rtw_ctx *c, const struct rtw_notice *n, const char *json)
{
	/* after rtw_free() from a callback the application expects no more */
	if (c->notice_cb && !c->freeing)
		c->notice_cb(n, json, c->notice_user);
}

void notice_route(struct rtw_ctx *c, enum rtw_notice_type t, uint32_t slot)
{
	notice_route_as(c, t, slot, model_route_attr(&c->model, slot));
}

void notice_route_as(struct rtw_ctx *c, enum rtw_notice_type t, uint32_t slot, uint32_t attr)
{
	struct rtw_notice n = { 0 };
	struct rtw_route r;

	if (!c->notice_cb)
		return;
	model_route_fill_as(&c->model, slot, attr, &r);
	n.type = t;
	n.route = &r;
	emit(c, &n, t == RTW_NOTICE_ROUTE_DEL ? "{\"rt\":\"del\"}" : "{\"rt\":\"add\"}");
}

void notice_simple(struct rtw_ctx *c, enum rtw_notice_type t)
{
	struct rtw_notice n = { 0 };

	n.type = t;
	if (t == RTW_NOTICE_CPDCHECK)
		emit(c, &n, "{\"trigger\":\"cpdcheck\",\"src\":\"gw-change\"}");
	else if (t == RTW_NOTICE_RESYNC)
		emit(c, &n, "{\"resync\":\"done\"}");
}

/* JSON string body: escapes quotes, backslashes, control bytes and DEL. A byte
 * that is not part of valid UTF-8 becomes the Latin-1 character of that
 * number, as the routewatch tool writes it: JSON must be UTF-8, and names
 * are bytes. */
static size_t json_escape(char *out, size_t size, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0, left = strlen(s);

	while (left && o + 7 < size) {
		size_t n = u[0] < 0x20 || u[0] == 0x7f ? 0 : rtw_utf8_len(u, left);

		if (u[0] == '"' || u[0] == '\\') {
			out[o++] = '\\';
			out[o++] = (char)u[0];
		} else if (n == 0) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", u[0]);
			n = 1;
		} else {
			memcpy(out + o, u, n);
			o += n;
		}
		u += n;
		left -= n;
	}
	out[o] = '\0';
	return o;
}

void notice_link(struct rtw_ctx *c, enum rtw_notice_type t, const struct rtw_link *l)
{
	struct rtw_notice n = { 0 };
	char name[8 * sizeof(l->name)], json[sizeof(name) + 96];
	const char *what = t == RTW_NOTICE_LINK_UP     ? "up"
			   : t == RTW_NOTICE_LINK_DOWN ? "down"
						       : "gone";

	if (!c->notice_cb)
		return;
	json_escape(name, sizeof(name), l->name);
	snprintf(json, sizeof(json), "{\"link\":\"%s\",\"ifindex\":%d,\"name\":\"%s\"}", what,
		 l->ifindex, name);
	n.type = t;
	n.link = l;
	emit(c, &n, json);
}

void notice_addr(struct rtw_ctx *c, enum rtw_notice_type t, const struct rtw_address *a)
{
	struct rtw_notice n = { 0 };
	char p[64] = "?", json[160];

	if (!c->notice_cb)
		return;
	rtw_prefix_format(&a->prefix, p, sizeof(p));
	snprintf(json, sizeof(json), "{\"addr\":\"%s\",\"ifindex\":%d,\"address\":\"%s\"}",
		 t == RTW_NOTICE_ADDR_ADD ? "add" : "del", a->ifindex, p);
	n.type = t;
	n.address = a;
	emit(c, &n, json);
}
