/* examples/poll.c: the README's example, complete. Connects to HOST PORT,
 * lets routewatch watch the connection from a poll(2) loop, and says why the
 * connection ended when the route under it goes away.
 * Exit status: 0 the peer closed, 3 the route went, 1 an error, 2 usage. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
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
	printf("notice: %s\n", json);
}

/* Waits until fd's peer closes (0) or fd's route goes (3); 1 on errors. */
static int watch(int fd)
{
	struct rtw_ctx *ctx = rtw_new(NULL); /* NULL: the kernel, malloc */
	struct rtw_watch *w = NULL;
	char buf[4096];
	ssize_t n = 1;

	/* RTW_WATCH_SHUTDOWN: when its route goes, fd is shut down, so the loop
	 * sees it end like any other dead connection: no callback needed. */
	if (ctx && rtw_start(ctx) == 0)
		w = rtw_watch_socket(ctx, fd, RTW_WATCH_SHUTDOWN, NULL, NULL);
	if (!w) {
		rtw_free(ctx);
		return 1;
	}
	rtw_set_notice_cb(ctx, on_notice, NULL);
	struct pollfd p[2] = { { .fd = rtw_fd(ctx), .events = POLLIN },
			       { .fd = fd, .events = POLLIN } };
	/* The status also covers a peer that had no route when it was added. */
	while (n > 0 && rtw_watch_status(w, NULL) == RTW_REASON_NONE) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((p[0].revents & POLLIN) && rtw_dispatch(ctx) < 0)
			break;
		if (p[1].revents)
			n = read(fd, buf, sizeof(buf)); /* the data is not the point */
	}
	enum rtw_reason why = rtw_watch_status(w, NULL);
	if (why != RTW_REASON_NONE)
		printf("route lost: %s\n", rtw_reason_str(why));
	rtw_free(ctx);
	return why != RTW_REASON_NONE ? 3 : n == 0 ? 0 : 1;
}
/* --- the README example ends here --- */

int main(int argc, char **argv)
{
	int fd, rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
		return 2;
	}
	fd = connect_to(argv[1], argv[2]);
	if (fd < 0)
		return 1;
	rc = watch(fd);
	if (rc == 1)
		fprintf(stderr, "%s: routewatch could not start, or the socket failed\n", argv[0]);
	close(fd);
	return rc;
}
