/* examples/poll.c: the README's example, complete. Connects to HOST PORT,
 * lets routewatch watch the connection from a poll(2) loop, and says why the
 * connection ended when the route under it goes away.
 * Exit status: 0 the peer closed, 3 the route went, 1 an error. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <routewatch.h>

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	int fd = -1, rc;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "%s %s: %s\n", host, port, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr, "%s %s: cannot connect\n", host, port);
	return fd;
}

/* --- the README example starts here --- */
static void on_notice(const struct rtw_notice *n, const char *json, void *user)
{
	(void)n;
	(void)user;
	printf("routes changed: %s\n", json);
}

/* Copies what fd sends to stdout until the peer closes (0) or the route
 * under it goes (1); -errno on errors. */
static int watch_loop(struct rtw_ctx *ctx, int fd)
{
	/* RTW_WATCH_SHUTDOWN: an invalidated socket is shut down, so the loop
	 * below sees it end like any other dead connection. */
	struct rtw_watch *w = rtw_watch_socket(ctx, fd, RTW_WATCH_SHUTDOWN, NULL, NULL);
	struct pollfd p[2] = { { .fd = rtw_fd(ctx), .events = POLLIN },
			       { .fd = fd, .events = POLLIN } };
	char buf[4096];
	ssize_t n;
	int rc;

	if (!w)
		return -errno;
	rtw_set_notice_cb(ctx, on_notice, NULL);
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[0].revents & POLLIN) {
			rc = rtw_dispatch(ctx);
			if (rc < 0)
				return rc;
		}
		if (!p[1].revents)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			fwrite(buf, 1, (size_t)n, stdout);
			continue;
		}
		enum rtw_reason why = rtw_watch_status(w, NULL);
		printf("connection ended: %s\n",
		       why == RTW_REASON_NONE ? "closed by the peer" : rtw_reason_str(why));
		return why == RTW_REASON_NONE ? 0 : 1;
	}
}
/* --- the README example ends here --- */

int main(int argc, char **argv)
{
	struct rtw_ctx *ctx;
	int fd, rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
		return 2;
	}
	fd = connect_to(argv[1], argv[2]);
	if (fd < 0)
		return 1;
	ctx = rtw_new(NULL);
	if (!ctx) {
		fprintf(stderr, "rtw_new: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	rc = rtw_start(ctx);
	if (rc < 0) {
		fprintf(stderr, "rtw_start: %s\n", strerror(-rc));
	} else {
		rc = watch_loop(ctx, fd);
		if (rc < 0)
			fprintf(stderr, "%s\n", strerror(-rc));
	}
	rtw_free(ctx);
	close(fd);
	/* 3 tells a script that routewatch, not the peer, ended it. */
	return rc < 0 ? 1 : rc == 1 ? 3 : 0;
}
