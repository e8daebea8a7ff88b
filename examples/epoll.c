/* examples/epoll.c (Linux): connects to HOST PORT and watches the connection
 * from an epoll(7) loop. Unlike poll.c it takes a watch callback, for an
 * application that wants to decide itself what a lost route means.
 * Exit status: 0 the peer closed, 3 the route went, 1 an error. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
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
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
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

/* Called from rtw_dispatch(), once, when the route under the socket goes. */
static void on_lost(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	enum rtw_reason *lost = user;

	(void)w;
	*lost = reason;
}

static int add_fd(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* 0 when the peer closed, 1 when the route went, -errno on errors. */
static int watch_loop(struct rtw_ctx *ctx, int fd)
{
	enum rtw_reason lost = RTW_REASON_NONE;
	struct epoll_event evs[2];
	struct rtw_watch *w;
	char buf[4096];
	int ep, n, i, rc = 0;
	ssize_t len;

	w = rtw_watch_socket(ctx, fd, 0, on_lost, &lost);
	if (!w)
		return -errno;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	rc = add_fd(ep, rtw_fd(ctx));
	if (rc == 0)
		rc = add_fd(ep, fd);
	/* A peer that had no route already when it was added shows it in its
	 * status at once: look before the first wait. */
	lost = rtw_watch_status(w, NULL);
	while (rc == 0) {
		if (lost != RTW_REASON_NONE) {
			printf("route lost: %s\n", rtw_reason_str(lost));
			rc = 1;
			break;
		}
		n = epoll_wait(ep, evs, 2, -1);
		if (n < 0 && errno != EINTR)
			rc = -errno;
		for (i = 0; i < n && rc == 0; i++) {
			if (evs[i].data.fd != fd) {
				rc = rtw_dispatch(ctx);
				rc = rc < 0 ? rc : 0;
				continue;
			}
			len = read(fd, buf, sizeof(buf));
			if (len > 0)
				fwrite(buf, 1, (size_t)len, stdout);
			else
				rc = len < 0 ? -errno : 2;
		}
	}
	if (rc == 2) {
		printf("connection ended: closed by the peer\n");
		rc = 0;
	}
	rtw_watch_del(w);
	close(ep);
	return rc;
}

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
	return rc < 0 ? 1 : rc == 1 ? 3 : 0;
}
