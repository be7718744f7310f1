// SPDX-License-Identifier: GPL-2.0
/*
 * dccpt: the DCCP socket calls of the rnet selftests, one per run, each
 * printing what happened on one line ("ok", or "errno N (text)").
 *
 *   dccpt socket                   socket(AF_INET, SOCK_DCCP, IPPROTO_DCCP)
 *
 * With DCCPT_FAMILY=6 in the environment the sockets are AF_INET6 and
 * the addresses IPv6 ones (icmp stays IPv4); DCCPT_V6ONLY set makes them
 * IPV6_V6ONLY. Crafted DCCP packets come from rnet-drill's dccp-raw and
 * dccp-fuzz (tools/rnet/drill/src/inject.rs).
 *   dccpt now                      CLOCK_MONOTONIC in ms
 *   dccpt listen PORT SECS         bind, listen, hold the socket SECS s
 *   dccpt bind PORT                bind only, then close
 *   dccpt connect ADDR PORT [SECS] blocking connect (SECS s at most,
 *                                  default 5)
 *   dccpt server PORT N BACKLOG MODE
 *                                  listen, accept N connections (10 s at
 *                                  most), printing "accepted" for each,
 *                                  then per MODE: close (close them at
 *                                  once), wait (until each peer closed,
 *                                  recv() returning 0, 20 s at most:
 *                                  "hup"), twclose (set
 *                                  SERVER_TIMEWAIT, "timewait: ok", and
 *                                  close them), hold (accept
 *                                  nothing, hold the listener N s, then
 *                                  print "closing T" and close it; T is
 *                                  CLOCK_MONOTONIC in ms), closeatT
 *                                  (close them when CLOCK_MONOTONIC
 *                                  reaches T ms: "closing T")
 *   dccpt client ADDR PORT MODE    connect, print "ok" and "port N" (the
 *                                  local port), then per MODE: close (at
 *                                  once), lingerN (close after N s, 3 by
 *                                  default), closeatT (as the server's),
 *                                  filter (a socket filter that drops
 *                                  every packet attached before "port N",
 *                                  detached after 3 s, then close), wait
 *                                  (until the connection ends, 20 s at
 *                                  most: "hup T ERR", CLOCK_MONOTONIC in
 *                                  ms and 0 when recv() returned 0, else
 *                                  its errno)
 *   dccpt echo-server PORT         accept one connection, send back each
 *                                  message as it came until the peer
 *                                  closes: "echoed N messages B bytes"
 *   dccpt echo-client ADDR PORT N MAX
 *                                  connect, send N messages of 1 to MAX
 *                                  bytes (the last MAX), each with its
 *                                  own content, and read each back
 *                                  whole: "echo N ok" or what differed;
 *                                  then a message of MPS + 1 bytes:
 *                                  "big: " and its errno
 *   dccpt conns ADDR PORT N        N non-blocking connects at once, each
 *                                  waited for with poll() (writable, no
 *                                  error or hang-up), its SO_ERROR read
 *                                  and its peer's name: "connected N" or
 *                                  the first error; then all closed
 *   dccpt sniff IFACE PORT SECS [TYPE N]
 *                                  on a packet socket, the DCCP packets
 *                                  from or to PORT going out of IFACE for
 *                                  SECS s (or until N packets of TYPE
 *                                  went): one line each, "TYPE SEQ MS
 *                                  CODE" (type number, 48-bit sequence
 *                                  number, milliseconds since the start,
 *                                  the Reset Code of a Reset, cN for a
 *                                  Data or DataAck of CsCov N, else -), or
 *                                  "short MS" for a packet with 24-bit
 *                                  numbers
 *   dccpt ccidopts [ADDR PORT]     the CCID options, one line each, "ok"
 *                                  or "errno N": AVAILABLE_CCIDS ("N:
 *                                  list"), CCID 2, 3, 4, TX_CCID 2 3, RX_CCID
 *                                  251 and 252 values, TX_CCID read,
 *                                  SERVER_TIMEWAIT
 *                                  on a client, PACKET_SIZE; with ADDR,
 *                                  connected: TX_CCID and RX_CCID read,
 *                                  CCID set
 *   dccpt sockopts                 SOL_DCCP options on a new socket, one
 *                                  line each: a 2-byte Service Code, the
 *                                  invalid one, an unknown option, 6
 *                                  bytes, the invalid code second, 33
 *                                  codes, a list of three read back, a
 *                                  read into 2 bytes, GET_CUR_MPS set,
 *                                  AVAILABLE_CCIDS into 2 bytes, an
 *                                  unknown option read
 *   dccpt sync-client ADDR PORT N  to an echo server: "first" echoed
 *                                  N + 1 times (CCID 2's window opens),
 *                                  "ready", a line on stdin, N messages,
 *                                  "sent", a line, "last", then "again"
 *                                  echoed within 3 s ("echo again") or not
 *                                  ("no echo")
 *   dccpt bulk-server PORT         accept one connection (8 MB receive
 *                                  buffer), read messages until the
 *                                  peer closes, checking each
 *                                  one's length and content: on
 *                                  dccp_rust "features seq_window L/R
 *                                  ack_ratio L/R", then "elapsed_ms T"
 *                                  (first to last message), "received
 *                                  M messages B bytes bad X reordered R"
 *                                  (R: messages after a later one)
 *   dccpt bulk-client ADDR PORT N SIZE
 *                                  connect, send N messages of SIZE bytes
 *                                  (at least 8), each with its number and
 *                                  its own content, then read the CCID 2
 *                                  state (DCCP_SOCKOPT_CCID_TX_INFO) once
 *                                  all are acknowledged or lost (5 s at
 *                                  most): "sent N ccid 2 cwnd C ssthresh S
 *                                  pipe P halvings H timeouts T rto R
 *                                  srtt X acked A lost L", and close
 *   dccpt rr-server PORT SECS      for make bench: every connection
 *                                  served by one poll() loop, each
 *                                  message sent back, for SECS s:
 *                                  "served C connections M messages"
 *   dccpt rr-client ADDR PORT K SECS
 *   dccpt crr-client ADDR PORT K SECS
 *                                  K processes for SECS s sending 64-byte
 *                                  messages, each waited for back, over
 *                                  one connection each (rr) or one per
 *                                  message (crr): "rr N per_s R" or
 *                                  "crr N per_s R"
 *   dccpt window-client ADDR PORT  to a bulk server: connect, "ready", a
 *                                  line on stdin, then non-blocking
 *                                  sends of bulk messages until EAGAIN:
 *                                  "eagain after K", the CCID 2 state
 *                                  "cwnd C pipe P", poll() for writing
 *                                  for 0.3 s: "writable" or "not
 *                                  writable"; a line on stdin, close
 *   dccpt icmp QSRC QSPORT QDST QDPORT SEQ TO
 *                                  an ICMP Host Unreachable to TO quoting
 *                                  a DCCP-Request from QSRC:QSPORT to
 *                                  QDST:QDPORT with sequence number SEQ
 *
 * With DCCPT_SERVICE=N[,N...] in the environment, every DCCP socket gets
 * those Service Codes (DCCP_SOCKOPT_SERVICE: the first its own, the others
 * also served by a listener) before it binds or connects; with
 * DCCPT_SEND_CSCOV=N and DCCPT_RECV_CSCOV=N, those checksum coverages.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SOCK_DCCP
#define SOCK_DCCP 6
#endif
#ifndef IPPROTO_DCCP
#define IPPROTO_DCCP 33
#endif
#ifndef SOL_DCCP
#define SOL_DCCP 269
#endif
#define DCCP_SOCKOPT_SERVICE 2
#define DCCP_SOCKOPT_GET_CUR_MPS 5
#define DCCP_SOCKOPT_PACKET_SIZE 1
#define DCCP_SOCKOPT_SERVER_TIMEWAIT 6
#define DCCP_SOCKOPT_AVAILABLE_CCIDS 12
#define DCCP_SOCKOPT_SEND_CSCOV 10
#define DCCP_SOCKOPT_RECV_CSCOV 11
#define DCCP_SOCKOPT_CCID 13
#define DCCP_SOCKOPT_TX_CCID 14
#define DCCP_SOCKOPT_RX_CCID 15
#define DCCP_SOCKOPT_CCID_TX_INFO 192

static int report(int rc)
{
	if (rc < 0)
		printf("errno %d (%s)\n", errno, strerror(errno));
	else
		printf("ok\n");
	fflush(stdout);
	return 0;
}

/* The sockets' family: AF_INET6 when DCCPT_FAMILY is 6. */
static int family = AF_INET;

static int dccp_socket(void)
{
	int fd = socket(family, SOCK_DCCP, IPPROTO_DCCP), n = 0, one = 1;
	const char *sc = getenv("DCCPT_SERVICE");
	uint32_t codes[32];
	char *end;

	if (fd >= 0 && family == AF_INET6 && getenv("DCCPT_V6ONLY") &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) {
		close(fd);
		return -1;
	}

	while (fd >= 0 && sc && *sc && n < 32) {
		codes[n++] = htonl(strtoul(sc, &end, 0));
		sc = *end == ',' ? end + 1 : end;
	}
	if (n && setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_SERVICE, codes,
			    n * sizeof(codes[0])) < 0) {
		close(fd);
		return -1;
	}
	for (n = 0; fd >= 0 && n < 2; n++) {
		const char *cov = getenv(n ? "DCCPT_RECV_CSCOV" : "DCCPT_SEND_CSCOV");
		int v = cov ? atoi(cov) : 0;

		if (cov && setsockopt(fd, SOL_DCCP, n ? DCCP_SOCKOPT_RECV_CSCOV :
				      DCCP_SOCKOPT_SEND_CSCOV, &v, sizeof(v)) < 0) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int do_sockopts(void)
{
	uint32_t v = 0xffffffff, list[3] = { htonl(1), htonl(2), htonl(3) };
	uint32_t back[4], big[33];
	socklen_t len;
	int fd = dccp_socket(), i;

	for (i = 0; i < 33; i++)
		big[i] = htonl(i + 1);

	if (fd < 0)
		return report(-1);
	printf("short: ");
	report(setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_SERVICE, &v, 2));
	printf("invalid: ");
	report(setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_SERVICE, &v, 4));
	printf("unknown: ");
	report(setsockopt(fd, SOL_DCCP, 99, &v, 4));
	printf("6 bytes: ");
	report(setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_SERVICE, big, 6));
	big[1] = 0xffffffff;
	printf("invalid second: ");
	report(setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_SERVICE, big, 8));
	big[1] = htonl(2);
	printf("33 codes: ");
	report(setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_SERVICE, big,
			  sizeof(big)));
	printf("list: ");
	report(setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_SERVICE, list,
			  sizeof(list)));
	len = sizeof(back);
	if (getsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_SERVICE, back, &len) < 0)
		return report(-1);
	printf("read back: %u bytes%s\n", len,
	       len == sizeof(list) && !memcmp(back, list, len) ? ", same" : "");
	len = 2;
	printf("into 2 bytes: ");
	report(getsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_SERVICE, back, &len));
	printf("set mps: ");
	report(setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_GET_CUR_MPS, &v, 4));
	len = 2;
	printf("ccids into 2 bytes: ");
	report(getsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_AVAILABLE_CCIDS, back,
			  &len));
	len = sizeof(back);
	printf("get unknown: ");
	report(getsockopt(fd, SOL_DCCP, 99, back, &len));
	close(fd);
	return 0;
}

/* "ok", or the errno's number alone. */
static void rc(const char *what, int r)
{
	if (r < 0)
		printf("%s: errno %d\n", what, errno);
	else
		printf("%s: ok\n", what);
}

static void addr_of(struct sockaddr_in6 *a, const char *ip, const char *port);

static int do_ccidopts(const char *ip, const char *port)
{
	unsigned char ccids[252] = { 2 }, tx23[2] = { 2, 3 }, avail[8];
	unsigned char three = 3, four = 4;
	struct sockaddr_in6 a;
	int fd = dccp_socket(), v = 1, i;
	socklen_t len = sizeof(avail);

	if (fd < 0)
		return report(-1);
	if (getsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_AVAILABLE_CCIDS, avail,
		       &len) < 0)
		return report(-1);
	printf("available: %u:", len);
	for (i = 0; i < (int)len && i < (int)sizeof(avail); i++)
		printf(" %u", avail[i]);
	printf("\n");
	rc("ccid 2", setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_CCID, ccids, 1));
	rc("ccid 3", setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_CCID, &three, 1));
	rc("ccid 4", setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_CCID, &four, 1));
	rc("tx ccid 2 3", setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_TX_CCID,
				     tx23, 2));
	for (i = 1; i < 252; i++)
		ccids[i] = 2;
	rc("251 values", setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_RX_CCID,
				    ccids, 251));
	rc("252 values", setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_RX_CCID,
				    ccids, 252));
	len = sizeof(v);
	rc("tx ccid read", getsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_TX_CCID, &v,
				      &len));
	v = 1;
	rc("server timewait", setsockopt(fd, SOL_DCCP,
					 DCCP_SOCKOPT_SERVER_TIMEWAIT, &v,
					 sizeof(v)));
	rc("packet size", setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_PACKET_SIZE,
				     &v, sizeof(v)));
	if (ip) {
		int tx = 0, rx = 0;

		addr_of(&a, ip, port);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			return report(-1);
		len = sizeof(tx);
		if (getsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_TX_CCID, &tx, &len) < 0 ||
		    getsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_RX_CCID, &rx, &len) < 0)
			return report(-1);
		printf("connected: tx ccid %d rx ccid %d\n", tx, rx);
		rc("ccid connected", setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_CCID,
						ccids, 1));
	}
	fflush(stdout);
	close(fd);
	return 0;
}

/*
 * @ip (the wildcard address if NULL) and @port in the family of the
 * sockets dccp_socket() makes: IPv6 if DCCPT_FAMILY is 6.
 */
static void addr_of(struct sockaddr_in6 *a, const char *ip, const char *port)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)a;
	int ok = 1;

	memset(a, 0, sizeof(*a));
	if (family == AF_INET6) {
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(atoi(port));
		a->sin6_addr = in6addr_any;
		if (ip)
			ok = inet_pton(AF_INET6, ip, &a->sin6_addr) == 1;
	} else {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(atoi(port));
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
		if (ip)
			ok = inet_pton(AF_INET, ip, &a4->sin_addr) == 1;
	}
	/* Never a call with an address the test did not mean. */
	if (!ok) {
		printf("bad address %s\n", ip);
		exit(2);
	}
}

static int do_listen(const char *port, int secs, int do_listen_call)
{
	struct sockaddr_in6 a;
	int fd = dccp_socket();

	if (fd < 0)
		return report(-1);
	addr_of(&a, NULL, port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return report(-1);
	if (do_listen_call && listen(fd, 5) < 0)
		return report(-1);
	report(0);
	sleep(secs);
	close(fd);
	return 0;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

/* Sleeps until CLOCK_MONOTONIC reaches @ms, then prints "closing T". */
static void close_at(const char *ms)
{
	long d = atol(ms) - now_ms();

	if (d > 0)
		usleep(d * 1000);
	printf("closing %ld\n", now_ms());
	fflush(stdout);
}

static int do_connect(const char *ip, const char *port, int secs)
{
	struct timeval tv = { .tv_sec = secs };
	struct sockaddr_in6 a;
	int fd = dccp_socket();

	if (fd < 0)
		return report(-1);
	/* A lost answer ends the call with EINPROGRESS, not a hung test. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return report(-1);
	addr_of(&a, ip, port);
	report(connect(fd, (struct sockaddr *)&a, sizeof(a)));
	close(fd);
	return 0;
}

/* Waits up to @ms for @events on @fd: the revents, 0 on a timeout. */
static int wait_ev(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	if (poll(&p, 1, ms) <= 0)
		return 0;
	return p.revents;
}

static int do_server(const char *port, int n, int backlog, const char *mode)
{
	struct timeval tv = { .tv_sec = 10 };
	int fd = dccp_socket(), c[128], i;
	struct sockaddr_in6 a;

	if (fd < 0 || n > 128)
		return report(-1);
	addr_of(&a, NULL, port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, backlog) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return report(-1);
	report(0);
	if (!strcmp(mode, "hold")) {
		sleep(n);
		printf("closing %ld\n", now_ms());
		fflush(stdout);
		close(fd);
		return 0;
	}
	for (i = 0; i < n; i++) {
		c[i] = accept(fd, NULL, NULL);
		if (c[i] < 0)
			return report(-1);
		printf("accepted\n");
		fflush(stdout);
	}
	if (!strcmp(mode, "twclose")) {
		int one = 1;

		/* TIMEWAIT at this end: it closes with Close. */
		for (i = 0; i < n; i++)
			rc("timewait", setsockopt(c[i], SOL_DCCP,
						  DCCP_SOCKOPT_SERVER_TIMEWAIT,
						  &one, sizeof(one)));
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(mode, "wait")) {
			char b;

			/* The end: readable, and recv() returns 0. */
			if (!wait_ev(c[i], POLLIN, 20000) ||
			    recv(c[i], &b, 1, MSG_DONTWAIT) != 0) {
				printf("no hup\n");
				return 0;
			}
			printf("hup\n");
		} else if (!strncmp(mode, "closeat", 7) && !i) {
			close_at(mode + 7);
		}
		close(c[i]);
	}
	fflush(stdout);
	close(fd);
	return 0;
}

static int do_client(const char *ip, const char *port, const char *mode)
{
	struct timeval tv = { .tv_sec = 5 };
	struct sockaddr_in6 a;
	int fd = dccp_socket();

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return report(-1);
	socklen_t len = sizeof(a);
	int err;

	addr_of(&a, ip, port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return report(-1);
	if (!strcmp(mode, "filter")) {
		struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
		struct sock_fprog prog = { .len = 1, .filter = &drop };

		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			       sizeof(prog)) < 0)
			return report(-1);
	}
	report(0);
	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return report(-1);
	printf("port %d\n", ntohs(a.sin6_port));
	fflush(stdout);
	if (!strncmp(mode, "linger", 6)) {
		fflush(stdout);
		sleep(mode[6] ? atoi(mode + 6) : 3);
	} else if (!strcmp(mode, "filter")) {
		int zero = 0;

		sleep(3);
		rc("detach", setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER,
					&zero, sizeof(zero)));
	} else if (!strncmp(mode, "closeat", 7)) {
		close_at(mode + 7);
	} else if (!strcmp(mode, "wait")) {
		char b;
		ssize_t r;

		/* The end: 0 from recv(), or the error that ended it. */
		if (wait_ev(fd, POLLIN, 20000)) {
			r = recv(fd, &b, 1, MSG_DONTWAIT);
			err = r < 0 ? errno : 0;
			if (r > 0)
				printf("data\n");
			else
				printf("hup %ld %d\n", now_ms(), err);
		} else {
			printf("no hup\n");
		}
	}
	fflush(stdout);
	close(fd);
	return 0;
}

static int do_echo_server(const char *port)
{
	struct timeval tv = { .tv_sec = 10 };
	int fd = dccp_socket(), c, msgs = 0;
	struct sockaddr_in6 a;
	unsigned char b[4096];
	long bytes = 0;
	ssize_t n;

	if (fd < 0)
		return report(-1);
	addr_of(&a, NULL, port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 1) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return report(-1);
	report(0);
	c = accept(fd, NULL, NULL);
	if (c < 0 || setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return report(-1);
	while ((n = recv(c, b, sizeof(b), 0)) > 0) {
		if (send(c, b, n, 0) != n)
			return report(-1);
		msgs++;
		bytes += n;
	}
	if (n < 0)
		return report(-1);
	printf("echoed %d messages %ld bytes\n", msgs, bytes);
	close(c);
	close(fd);
	return 0;
}

static int do_echo_client(const char *ip, const char *port, int n, int max)
{
	struct timeval tv = { .tv_sec = 5 };
	unsigned char out[4096], in[4096];
	int fd = dccp_socket(), i, j, size, mps;
	struct sockaddr_in6 a;
	socklen_t len;
	ssize_t r;

	if (fd < 0 || max < 1 || max >= (int)sizeof(out) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return report(-1);
	addr_of(&a, ip, port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return report(-1);
	len = sizeof(mps);
	if (getsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_GET_CUR_MPS, &mps, &len) < 0)
		return report(-1);
	printf("mps %d\n", mps);
	for (i = 0; i < n; i++) {
		size = i == n - 1 ? max : 1 + (i * 131) % max;
		for (j = 0; j < size; j++)
			out[j] = (unsigned char)(i * 7 + j * 3);
		r = send(fd, out, size, 0);
		if (r != size) {
			printf("message %d: send gave %zd\n", i, r);
			return report(-1);
		}
		r = recv(fd, in, sizeof(in), 0);
		if (r != size || memcmp(in, out, size)) {
			printf("message %d of %d bytes came back as %zd bytes%s\n",
			       i, size, r, r == size ? ", changed" : "");
			return 0;
		}
	}
	printf("echo %d ok\n", n);
	/* Eight in flight: each comes back whole, in order, on its own. */
	for (i = 0; i < 8; i++) {
		memset(out, 'a' + i, 100 + i);
		if (send(fd, out, 100 + i, 0) != 100 + i)
			return report(-1);
	}
	for (i = 0; i < 8; i++) {
		memset(out, 'a' + i, 100 + i);
		r = recv(fd, in, sizeof(in), 0);
		if (r != 100 + i || memcmp(in, out, r)) {
			printf("burst message %d came back as %zd bytes\n", i, r);
			return 0;
		}
	}
	printf("burst ok\n");
	/* A short buffer: the head of the message, MSG_TRUNC, the rest gone. */
	memset(out, 'x', 100);
	if (send(fd, out, 100, 0) != 100 || send(fd, "next", 4, 0) != 4)
		return report(-1);
	{
		struct iovec iov = { .iov_base = in, .iov_len = 10 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		r = recvmsg(fd, &mh, 0);
		printf("short read %zd%s, ", r,
		       mh.msg_flags & MSG_TRUNC ? " truncated" : "");
		r = recv(fd, in, sizeof(in), 0);
		printf("then %zd%s\n", r,
		       r == 4 && !memcmp(in, "next", 4) ? " next" : "");
	}
	memset(out, 0, sizeof(out));
	printf("big: ");
	report(mps < (int)sizeof(out) ? send(fd, out, mps + 1, 0) : -1);
	close(fd);
	return 0;
}

/* Byte @j of bulk message @k. */
static unsigned char bulk_byte(uint32_t k, int j)
{
	return (unsigned char)(k * 13 + j);
}

/* Bulk message @k of @size bytes (at least 8): its number, its size, then
 * its own content.
 */
static void bulk_fill(unsigned char *out, uint32_t k, int size)
{
	uint32_t v = htonl(k);
	int j;

	memcpy(out, &v, 4);
	v = htonl(size);
	memcpy(out + 4, &v, 4);
	for (j = 8; j < size; j++)
		out[j] = bulk_byte(k, j);
}

static int do_bulk_server(const char *port)
{
	struct timeval tv = { .tv_sec = 10 };
	int fd = dccp_socket(), c, msgs = 0, bad = 0, j, rcvbuf = 8 << 20;
	int reordered = 0;
	long top = -1;
	unsigned char b[4096];
	struct sockaddr_in6 a;
	uint32_t k, size, info[14];
	long bytes = 0, first = 0, last = 0;
	socklen_t len;
	ssize_t n;

	if (fd < 0)
		return report(-1);
	addr_of(&a, NULL, port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 1) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		return report(-1);
	report(0);
	c = accept(fd, NULL, NULL);
	if (c < 0 || setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return report(-1);
	while ((n = recv(c, b, sizeof(b), 0)) > 0) {
		last = now_ms();
		if (!msgs)
			first = last;
		msgs++;
		bytes += n;
		if (n < 8) {
			bad++;
			continue;
		}
		memcpy(&k, b, 4);
		memcpy(&size, b + 4, 4);
		k = ntohl(k);
		if ((long)k < top)
			reordered++;
		else
			top = k;
		if (ntohl(size) != (uint32_t)n) {
			bad++;
			continue;
		}
		for (j = 8; j < n; j++)
			if (b[j] != bulk_byte(k, j))
				break;
		bad += j < n;
	}
	if (n < 0)
		return report(-1);
	/* dccp_rust's: the Sequence Windows and Ack Ratios in use. */
	len = sizeof(info);
	if (!getsockopt(c, SOL_DCCP, DCCP_SOCKOPT_CCID_TX_INFO, info, &len) &&
	    len == sizeof(info))
		printf("features seq_window %u/%u ack_ratio %u/%u\n", info[10],
		       info[11], info[12], info[13]);
	printf("elapsed_ms %ld\n", last - first);
	printf("received %d messages %ld bytes bad %d reordered %d\n", msgs,
	       bytes, bad, reordered);
	close(c);
	close(fd);
	return 0;
}

static int do_bulk_client(const char *ip, const char *port, int n, int size)
{
	struct timeval tv = { .tv_sec = 10 };
	int fd = dccp_socket(), i, tries;
	unsigned char out[4096];
	struct sockaddr_in6 a;
	uint32_t info[14];
	ssize_t r;
	socklen_t len;

	if (fd < 0 || size < 8 || size > (int)sizeof(out) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return report(-1);
	addr_of(&a, ip, port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return report(-1);
	for (i = 0; i < n; i++) {
		bulk_fill(out, i, size);
		/*
		 * The C DCCP's sendmsg() does not wait for room in its queue:
		 * EAGAIN even when blocking. Try again every 50 us (a longer
		 * sleep would cap its rate: 5 messages per 1 ms is 56 Mbit/s),
		 * for 10 s at most.
		 */
		for (tries = 0; (r = send(fd, out, size, 0)) < 0 &&
		     errno == EAGAIN && tries < 200000; tries++)
			usleep(50);
		if (r != size) {
			printf("message %d: ", i);
			return report(-1);
		}
	}
	/* Until every message is known acknowledged or lost (5 s at most). */
	for (i = 0; i < 50; i++) {
		usleep(100000);
		len = sizeof(info);
		if (getsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_CCID_TX_INFO, info,
			       &len) < 0) {
			/*
			 * The C DCCP: no such option. Its close() sends what
			 * is still queued only while lingering (10 s at most).
			 */
			struct linger l = { .l_onoff = 1, .l_linger = 10 };

			if ((errno != ENOPROTOOPT && errno != EINVAL) ||
			    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0)
				return report(-1);
			printf("sent %d ccid info none\n", n);
			close(fd);
			return 0;
		}
		if (len != sizeof(info)) {
			printf("info of %u bytes\n", len);
			return 0;
		}
		if (!info[3] && info[8] + info[9] == (uint32_t)n)
			break;
	}
	printf("sent %d ccid %u cwnd %u ssthresh %u pipe %u halvings %u ", n,
	       info[0], info[1], info[2], info[3], info[4]);
	printf("timeouts %u rto %u srtt %u acked %u lost %u ",
	       info[5], info[6], info[7], info[8], info[9]);
	printf("seq_window %u/%u ack_ratio %u/%u\n", info[10], info[11],
	       info[12], info[13]);
	close(fd);
	return 0;
}

static int do_window_client(const char *ip, const char *port)
{
	unsigned char out[1000];
	struct sockaddr_in6 a;
	int fd = dccp_socket(), k;
	uint32_t info[14];
	char line[64];
	socklen_t len;

	if (fd < 0)
		return report(-1);
	addr_of(&a, ip, port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return report(-1);
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (k = 0; k < 1000; k++) {
		bulk_fill(out, k, sizeof(out));
		if (send(fd, out, sizeof(out), MSG_DONTWAIT) < 0)
			break;
	}
	if (k == 1000 || errno != EAGAIN)
		return report(-1);
	len = sizeof(info);
	if (getsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_CCID_TX_INFO, info, &len) < 0)
		return report(-1);
	printf("eagain after %d\ncwnd %u pipe %u\n", k, info[1], info[3]);
	printf("%s\n", wait_ev(fd, POLLOUT, 300) & POLLOUT ? "writable" : "not writable");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	close(fd);
	return 0;
}

static int do_conns(const char *ip, const char *port, int n)
{
	struct pollfd p[256];
	struct sockaddr_in6 a;
	int i, err, done = 0;
	socklen_t len;

	if (n > 256)
		return 2;
	addr_of(&a, ip, port);
	for (i = 0; i < n; i++) {
		p[i].fd = dccp_socket();
		p[i].events = POLLOUT;
		if (p[i].fd < 0 ||
		    fcntl(p[i].fd, F_SETFL, O_NONBLOCK) < 0)
			return report(-1);
		if (connect(p[i].fd, (struct sockaddr *)&a, sizeof(a)) == 0 ||
		    errno != EINPROGRESS)
			return report(-1);
	}
	while (done < n) {
		if (poll(p, n, 10000) <= 0) {
			printf("timeout after %d\n", done);
			return 0;
		}
		for (i = 0; i < n; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			len = sizeof(err);
			if (getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err,
				       &len) < 0)
				return report(-1);
			if (err) {
				errno = err;
				return report(-1);
			}
			/* Connected: writable, neither ended nor failed. */
			if (!(p[i].revents & POLLOUT) ||
			    p[i].revents & (POLLHUP | POLLERR)) {
				printf("revents %#x\n", p[i].revents);
				return 0;
			}
			len = sizeof(a);
			if (getpeername(p[i].fd, (struct sockaddr *)&a,
					&len) < 0)
				return report(-1);
			p[i].fd = -p[i].fd - 1;
			done++;
		}
	}
	printf("connected %d\n", done);
	for (i = 0; i < n; i++)
		close(-p[i].fd - 1);
	return 0;
}

static int do_sniff(const char *ifname, const char *port, int secs,
		    int type, int count)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
	struct timespec t0, t;
	unsigned char b[2048];
	int fd, dport = atoi(port);
	long ms;
	ssize_t n;

	/* Only ETH_P_ALL sockets see what goes out. */
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	if (fd < 0)
		return report(-1);
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = if_nametoindex(ifname);
	if (!ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return report(-1);
	report(0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		socklen_t sl = sizeof(ll);
		unsigned int ihl;
		unsigned char *d;

		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 +
		     (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= secs * 1000L)
			break;
		n = recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&ll, &sl);
		if (n < 20 || ll.sll_pkttype != PACKET_OUTGOING ||
		    ll.sll_protocol != htons(ETH_P_IP))
			continue;
		ihl = (b[0] & 15) * 4;
		if (b[9] != IPPROTO_DCCP || n < ihl + 16)
			continue;
		d = b + ihl;
		if ((d[2] << 8 | d[3]) != dport && (d[0] << 8 | d[1]) != dport)
			continue;
		if (!(d[8] & 1)) {
			printf("short %ld\n", ms);
			fflush(stdout);
			continue;
		}
		printf("%d %llu %ld ", d[8] >> 1 & 15,
		       (unsigned long long)d[10] << 40 |
		       (unsigned long long)d[11] << 32 |
		       (unsigned long long)d[12] << 24 | d[13] << 16 |
		       d[14] << 8 | d[15], ms);
		/* A Reset: generic header, ack number, then its code. */
		if ((d[8] >> 1 & 15) == 7 && n >= ihl + 28)
			printf("%d\n", d[24]);
		else if ((d[8] >> 1 & 15) == 2 || (d[8] >> 1 & 15) == 4)
			printf("c%d\n", d[5] & 15);
		else
			printf("-\n");
		if ((d[8] >> 1 & 15) == type && --count == 0)
			break;
		fflush(stdout);
	}
	close(fd);
	return 0;
}

/* The one's-complement sum of @len bytes. */
static uint32_t sum16(uint32_t s, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

/*
 * Connects to an echo server, sends "first" and reads it back, prints
 * "ready" and waits for a line on stdin; sends N messages, prints "sent"
 * and waits for another line; sends "last", waits 300 ms, sends "again"
 * and prints "echo again" when that comes back within 3 s, else "no echo".
 */
static int do_sync_client(const char *ip, const char *port, int n)
{
	struct timeval tv = { .tv_sec = 3 };
	char line[64], b[64];
	struct sockaddr_in6 a;
	int fd = dccp_socket(), i;
	ssize_t r;

	if (fd < 0)
		return report(-1);
	addr_of(&a, ip, port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return report(-1);
	/* Echoes that open CCID 2's window wide enough for N at once. */
	for (i = 0; i <= n; i++)
		if (send(fd, "first", 5, 0) != 5 ||
		    recv(fd, b, sizeof(b), 0) != 5)
			return report(-1);
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 0; i < n; i++)
		if (send(fd, "lost", 4, 0) != 4)
			return report(-1);
	printf("sent\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	if (send(fd, "last", 4, 0) != 4)
		return report(-1);
	usleep(300000);
	if (send(fd, "again", 5, 0) != 5)
		return report(-1);
	r = recv(fd, b, sizeof(b), 0);
	printf("%s\n", r == 5 && !memcmp(b, "again", 5) ? "echo again" : "no echo");
	close(fd);
	return 0;
}

/*
 * An ICMP Destination Unreachable (Host Unreachable) to TO, quoting the IP
 * header of a DCCP-Request from QSRC:QSPORT to QDST:QDPORT with 48-bit
 * sequence number SEQ and its first 16 bytes, as a router would send it.
 */
static int do_icmp(char **argv)
{
	unsigned char m[8 + 20 + 16] = { 0 }, *ip = m + 8, *d = m + 28;
	uint16_t sport = htons(atoi(argv[3])), dport = htons(atoi(argv[5]));
	unsigned long long seq = strtoull(argv[6], NULL, 0);
	uint32_t qsrc = inet_addr(argv[2]), qdst = inet_addr(argv[4]), s;
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint16_t c;
	int fd, i;

	to.sin_addr.s_addr = inet_addr(argv[7]);
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0)
		return report(-1);
	m[0] = 3;		/* Destination Unreachable */
	m[1] = 1;		/* Host Unreachable */
	ip[0] = 0x45;
	ip[3] = 36;		/* total length */
	ip[8] = 64;
	ip[9] = IPPROTO_DCCP;
	memcpy(ip + 12, &qsrc, 4);
	memcpy(ip + 16, &qdst, 4);
	s = sum16(0, ip, 20);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	c = htons((uint16_t)~s);
	memcpy(ip + 10, &c, 2);
	memcpy(d, &sport, 2);
	memcpy(d + 2, &dport, 2);
	d[4] = 5;
	d[8] = 0 << 1 | 1;	/* Request, X = 1 */
	for (i = 0; i < 6; i++)
		d[10 + i] = seq >> (8 * (5 - i));
	s = sum16(0, m, sizeof(m));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	c = htons((uint16_t)~s);
	memcpy(m + 2, &c, 2);
	report(sendto(fd, m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to)));
	close(fd);
	return 0;
}

/*
 * rr-server: one process serving every connection with poll(), each
 * message sent back as it came, for SECS s; "ok" once listening, then
 * "served C connections M messages".
 */
static int do_rr_server(const char *port, int secs)
{
	struct pollfd p[257];
	int n = 1, i, conns = 0, one = 1;
	long msgs = 0, end = now_ms() + secs * 1000L;
	struct sockaddr_in6 a;
	unsigned char b[4096];
	ssize_t r;

	p[0].fd = dccp_socket();
	p[0].events = POLLIN;
	if (p[0].fd < 0 ||
	    setsockopt(p[0].fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return report(-1);
	addr_of(&a, NULL, port);
	if (bind(p[0].fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(p[0].fd, 128) < 0)
		return report(-1);
	report(0);
	fflush(stdout);
	while (now_ms() < end) {
		if (poll(p, n, 100) <= 0)
			continue;
		if ((p[0].revents & POLLIN) && n < 257) {
			int c = accept(p[0].fd, NULL, NULL);

			if (c >= 0) {
				p[n].fd = c;
				p[n].events = POLLIN;
				p[n].revents = 0;
				n++;
				conns++;
			}
		}
		for (i = 1; i < n; i++) {
			if (!p[i].revents)
				continue;
			r = recv(p[i].fd, b, sizeof(b), MSG_DONTWAIT);
			if (r > 0 && send(p[i].fd, b, r, 0) == r) {
				msgs++;
				continue;
			}
			if (r < 0 && errno == EAGAIN)
				continue;
			close(p[i].fd);
			p[i--] = p[--n];
		}
	}
	printf("served %d connections %ld messages\n", conns, msgs);
	return 0;
}

/*
 * rr-client: CLIENTS processes for SECS s, each either holding one
 * connection and sending 64-byte messages one at a time, each waited for
 * back (rr: "rr N per_s X"), or opening a connection per message and
 * closing it after the answer (crr: "crr N per_s X").
 */
static int do_rr_client(const char *ip, const char *port, int clients,
			int secs, int crr)
{
	struct timeval tv = { .tv_sec = 5 };
	int pfd[2], i, fd = -1;
	long total = 0, got, start;
	struct sockaddr_in6 a;
	unsigned char b[64];

	if (clients < 1 || clients > 64 || secs < 1 || pipe(pfd) < 0)
		return report(-1);
	addr_of(&a, ip, port);
	memset(b, 'r', sizeof(b));
	start = now_ms();
	for (i = 0; i < clients; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return report(-1);
		if (pid)
			continue;
		got = 0;
		while (now_ms() < start + secs * 1000L) {
			if (fd < 0) {
				fd = dccp_socket();
				if (fd < 0 ||
				    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
				    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
					break;
			}
			if (send(fd, b, sizeof(b), 0) != sizeof(b) ||
			    recv(fd, b, sizeof(b), 0) != sizeof(b))
				break;
			got++;
			if (crr) {
				close(fd);
				fd = -1;
			}
		}
		if (write(pfd[1], &got, sizeof(got)) != sizeof(got))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	while (read(pfd[0], &got, sizeof(got)) == sizeof(got))
		total += got;
	while (wait(NULL) > 0)
		;
	printf("%s %ld per_s %.1f\n", crr ? "crr" : "rr", total,
	       total * 1000.0 / (now_ms() - start));
	return 0;
}

int main(int argc, char **argv)
{
	const char *fam = getenv("DCCPT_FAMILY");

	if (fam && !strcmp(fam, "6"))
		family = AF_INET6;
	if (argc >= 2 && !strcmp(argv[1], "socket")) {
		int fd = dccp_socket();

		report(fd);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "listen"))
		return do_listen(argv[2], atoi(argv[3]), 1);
	if (argc == 2 && !strcmp(argv[1], "now"))
		return printf("%ld\n", now_ms()) < 0;
	if (argc == 3 && !strcmp(argv[1], "bind"))
		return do_listen(argv[2], 0, 0);
	if (argc == 4 && !strcmp(argv[1], "connect"))
		return do_connect(argv[2], argv[3], 5);
	if (argc == 5 && !strcmp(argv[1], "connect"))
		return do_connect(argv[2], argv[3], atoi(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "server"))
		return do_server(argv[2], atoi(argv[3]), atoi(argv[4]),
				 argv[5]);
	if (argc == 5 && !strcmp(argv[1], "client"))
		return do_client(argv[2], argv[3], argv[4]);
	if (argc == 2 && !strcmp(argv[1], "ccidopts"))
		return do_ccidopts(NULL, NULL);
	if (argc == 4 && !strcmp(argv[1], "ccidopts"))
		return do_ccidopts(argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "sockopts"))
		return do_sockopts();
	if (argc == 3 && !strcmp(argv[1], "echo-server"))
		return do_echo_server(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "echo-client"))
		return do_echo_client(argv[2], argv[3], atoi(argv[4]),
				      atoi(argv[5]));
	if (argc == 3 && !strcmp(argv[1], "bulk-server"))
		return do_bulk_server(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "bulk-client"))
		return do_bulk_client(argv[2], argv[3], atoi(argv[4]),
				      atoi(argv[5]));
	if (argc == 4 && !strcmp(argv[1], "rr-server"))
		return do_rr_server(argv[2], atoi(argv[3]));
	if (argc == 6 && (!strcmp(argv[1], "rr-client") ||
			  !strcmp(argv[1], "crr-client")))
		return do_rr_client(argv[2], argv[3], atoi(argv[4]),
				    atoi(argv[5]), argv[1][0] == 'c');
	if (argc == 4 && !strcmp(argv[1], "window-client"))
		return do_window_client(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "conns"))
		return do_conns(argv[2], argv[3], atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "sniff"))
		return do_sniff(argv[2], argv[3], atoi(argv[4]), -1, 0);
	if (argc == 7 && !strcmp(argv[1], "sniff"))
		return do_sniff(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]),
				atoi(argv[6]));
	if (argc == 5 && !strcmp(argv[1], "sync-client"))
		return do_sync_client(argv[2], argv[3], atoi(argv[4]));
	if (argc == 8 && !strcmp(argv[1], "icmp"))
		return do_icmp(argv);
	fprintf(stderr, "usage: see the comment at the top of its source\n");
	return 2;
}
