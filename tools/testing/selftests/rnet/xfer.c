// SPDX-License-Identifier: GPL-2.0
/*
 * xfer - move a known pseudo-random byte stream over TCP or UDP and check
 * every byte on arrival, for the rnet selftests.
 *
 *   xfer tcp-recv PORT BYTES
 *   xfer tcp-send ADDR PORT BYTES
 *   xfer udp-recv PORT COUNT SIZE SECONDS
 *   xfer udp-send ADDR PORT COUNT SIZE
 *   xfer sniff IFNAME SECONDS
 *   xfer csum-marks IFNAME PORT SECONDS
 *   xfer udp-badsum IFNAME DSTMAC SRCADDR DSTADDR PORT COUNT
 *   xfer write-nocap FILE VALUE
 *   xfer write-nobody FILE VALUE
 *   xfer run-nobody PROG [ARG...]
 *
 * TCP: the receiver checks the stream byte for byte and its length. UDP:
 * each datagram carries its sequence number and a payload derived from it;
 * the receiver counts good, corrupt and missing datagrams and prints them.
 * Addresses may be IPv4 or IPv6 literals. Exit status 0 means every byte
 * arrived intact (for UDP: at least the count given in RNET_UDP_MIN, by
 * default all of them). sniff watches the frames an interface sends for
 * SECONDS and prints how many and the largest: larger than the MTU means
 * the stack handed the driver whole TCP segmentation offload buffers.
 * csum-marks counts the IPv4 UDP datagrams to PORT that IFNAME receives,
 * and how many of them the driver marked checksum-verified (the packet
 * socket's TP_STATUS_CSUM_VALID: CHECKSUM_UNNECESSARY on the buffer).
 * Both watchers stop early once a second passes without a frame they
 * count, after the first one. write-nocap drops CAP_NET_ADMIN from the
 * bounding, effective, permitted and inheritable sets (root keeps its
 * uid), write-nobody becomes uid and gid 65534; then each opens FILE for
 * writing and writes VALUE, printing the errno name of the first step
 * that fails (or "ok"), and exits 0 whatever happened. run-nobody runs
 * PROG as uid and gid 65534 with no supplementary groups.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE (64 * 1024)

struct stream {
	uint64_t state;
	uint8_t pool[8];
	unsigned int left;
};

static void stream_init(struct stream *s, uint64_t seed)
{
	s->state = seed * 0x9e3779b97f4a7c15ULL + 1;
	s->left = 0;
}

/* Next n bytes of the xorshift64* stream. */
static void stream_fill(struct stream *s, uint8_t *buf, size_t n)
{
	while (n--) {
		if (!s->left) {
			uint64_t x = s->state;

			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			s->state = x;
			x *= 0x2545f4914f6cdd1dULL;
			memcpy(s->pool, &x, 8);
			s->left = 8;
		}
		*buf++ = s->pool[8 - s->left--];
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_addr(const char *host, unsigned int port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return 0;
	}
	fprintf(stderr, "xfer: bad address %s\n", host);
	return -1;
}

/* A socket bound to the wildcard address (IPv6, also accepting IPv4). */
static int bound_socket(int type, unsigned int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port) };
	int one = 1, zero = 0;
	int fd = socket(AF_INET6, type, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int tcp_recv(unsigned int port, unsigned long long bytes)
{
	static uint8_t buf[BUF_SIZE], want[BUF_SIZE];
	unsigned long long got = 0;
	struct stream s;
	double t0;
	int lfd, fd;

	lfd = bound_socket(SOCK_STREAM, port);
	if (lfd < 0 || listen(lfd, 1) < 0) {
		perror("xfer: listen");
		return 1;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("xfer: accept");
		return 1;
	}
	stream_init(&s, port);
	t0 = now();
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("xfer: read");
			return 1;
		}
		if (n == 0)
			break;
		stream_fill(&s, want, n);
		if (memcmp(buf, want, n)) {
			ssize_t i = 0;

			while (buf[i] == want[i])
				i++;
			fprintf(stderr, "xfer: byte %llu differs\n", got + i);
			return 1;
		}
		got += n;
	}
	t0 = now() - t0;
	printf("xfer: received %llu bytes intact in %.2f s (%.0f Mbit/s)\n",
	       got, t0, got * 8 / t0 / 1e6);
	if (got != bytes) {
		fprintf(stderr, "xfer: expected %llu bytes\n", bytes);
		return 1;
	}
	return 0;
}

static int tcp_send(const char *host, unsigned int port,
		    unsigned long long bytes)
{
	static uint8_t buf[BUF_SIZE];
	struct sockaddr_storage ss;
	struct stream s;
	socklen_t len;
	int fd, tries;

	if (parse_addr(host, port, &ss, &len))
		return 1;
	/* The receiver may still be starting: retry for about 5 s. */
	for (tries = 0;; tries++) {
		fd = socket(ss.ss_family, SOCK_STREAM, 0);
		if (fd < 0) {
			perror("xfer: socket");
			return 1;
		}
		if (!connect(fd, (struct sockaddr *)&ss, len))
			break;
		close(fd);
		if (tries == 50) {
			perror("xfer: connect");
			return 1;
		}
		usleep(100000);
	}
	stream_init(&s, port);
	while (bytes) {
		size_t n = bytes < sizeof(buf) ? bytes : sizeof(buf);
		size_t off = 0;

		stream_fill(&s, buf, n);
		while (off < n) {
			ssize_t w = write(fd, buf + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				perror("xfer: write");
				return 1;
			}
			off += w;
		}
		bytes -= n;
	}
	if (close(fd)) {
		perror("xfer: close");
		return 1;
	}
	return 0;
}

/* Payload of UDP datagram number seq: the sequence number, then the stream. */
static void udp_payload(uint32_t seq, uint8_t *buf, size_t size)
{
	struct stream s;
	uint32_t nseq = htonl(seq);

	memcpy(buf, &nseq, 4);
	stream_init(&s, seq);
	stream_fill(&s, buf + 4, size - 4);
}

static int udp_recv(unsigned int port, unsigned long count, size_t size,
		    unsigned int seconds)
{
	static uint8_t buf[BUF_SIZE], want[BUF_SIZE];
	unsigned long good = 0, bad = 0, dup = 0, min = count;
	struct timeval tv = { .tv_sec = seconds };
	uint8_t *seen = calloc(count, 1);
	const char *env = getenv("RNET_UDP_MIN");
	int rcvbuf = 16 << 20;
	int fd;

	if (env)
		min = strtoul(env, NULL, 0);
	fd = bound_socket(SOCK_DGRAM, port);
	if (!seen || fd < 0) {
		perror("xfer: udp socket");
		return 1;
	}
	/* Stop after `seconds` without a datagram. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* Room for a burst: the test is about the path, not socket limits. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	while (good + bad < count) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		uint32_t seq;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if ((size_t)n != size) {
			bad++;
			continue;
		}
		memcpy(&seq, buf, 4);
		seq = ntohl(seq);
		if (seq >= count) {
			bad++;
			continue;
		}
		udp_payload(seq, want, size);
		if (memcmp(buf, want, size)) {
			bad++;
		} else if (seen[seq]) {
			dup++;
		} else {
			seen[seq] = 1;
			good++;
		}
	}
	printf("xfer: udp %lu/%lu datagrams intact, %lu corrupt, %lu duplicate, %lu missing\n",
	       good, count, bad, dup, count - good - bad);
	return bad || dup || good < min;
}

/*
 * XFER_DSTOPTS=N (a multiple of 8, 16 to 2048): IPv6 senders add a
 * destination options header of N bytes, filled with options of the
 * experimental type 0x1e (skipped by receivers that do not know it),
 * which puts the transport header, and where its checksum starts, N bytes
 * further. Padding is not used: receivers drop more than 7 bytes of it.
 */
static int add_dstopts(int fd)
{
	static uint8_t opts[2048];
	const char *env = getenv("XFER_DSTOPTS");
	size_t n, at;

	if (!env)
		return 0;
	n = strtoul(env, NULL, 0);
	if (n < 16 || n > sizeof(opts) || n % 8) {
		fprintf(stderr, "xfer: XFER_DSTOPTS must be a multiple of 8 in 16..2048\n");
		return -1;
	}
	memset(opts, 0, n);
	opts[1] = n / 8 - 1;
	/* Every option takes 2 to 257 bytes; never leave 1 byte over. */
	for (at = 2; at < n;) {
		size_t len = n - at - 2;

		if (len > 255)
			len = n - at - 255 < 2 ? 252 : 253;
		opts[at] = 0x1e;
		opts[at + 1] = len;
		at += 2 + len;
	}
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_DSTOPTS, opts, n)) {
		perror("xfer: IPV6_DSTOPTS");
		return -1;
	}
	return 0;
}

static int udp_send(const char *host, unsigned int port, unsigned long count,
		    size_t size)
{
	static uint8_t buf[BUF_SIZE];
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned long i;
	int fd;

	if (parse_addr(host, port, &ss, &len))
		return 1;
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || (ss.ss_family == AF_INET6 && add_dstopts(fd)) ||
	    connect(fd, (struct sockaddr *)&ss, len) < 0) {
		perror("xfer: udp connect");
		return 1;
	}
	for (i = 0; i < count; i++) {
		udp_payload(i, buf, size);
		while (send(fd, buf, size, 0) < 0) {
			/* A full qdisc or ring: wait, lose nothing here. */
			if (errno != ENOBUFS && errno != EAGAIN &&
			    errno != EINTR && errno != ECONNREFUSED) {
				perror("xfer: send");
				return 1;
			}
			usleep(1000);
		}
	}
	return 0;
}

/* The Internet checksum of len bytes, folded, starting from sum. */
static uint16_t csum_fold_add(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/*
 * count IPv4/UDP datagrams of 64 payload bytes from src to dst:port, built
 * by hand and sent on ifname to the Ethernet address dmac, with a correct
 * IP header checksum and a wrong, non-zero UDP checksum: a receiver must
 * drop every one of them (and count it in Udp InCsumErrors).
 */
static int udp_badsum(const char *ifname, const char *dmac, const char *src,
		      const char *dst, unsigned int port, unsigned long count)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = ETH_ALEN };
	uint8_t f[14 + 20 + 8 + 64], pseudo[12];
	uint8_t *ip = f + 14, *udp = ip + 20;
	struct in_addr s4, d4;
	unsigned int m[6];
	unsigned long i;
	uint16_t sum;
	int fd, k;

	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex || inet_pton(AF_INET, src, &s4) != 1 ||
	    inet_pton(AF_INET, dst, &d4) != 1 ||
	    sscanf(dmac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6) {
		fprintf(stderr, "xfer: udp-badsum: bad interface or address\n");
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	if (fd < 0) {
		perror("xfer: packet socket");
		return 1;
	}
	memset(f, 0, sizeof(f));
	for (k = 0; k < 6; k++) {
		f[k] = m[k];
		sll.sll_addr[k] = m[k];
	}
	/* The source Ethernet address stays zero: nothing checks it. */
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = 0;
	ip[3] = 20 + 8 + 64;
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &s4, 4);
	memcpy(ip + 16, &d4, 4);
	sum = csum_fold_add(ip, 20, 0);
	ip[10] = sum >> 8;
	ip[11] = sum & 0xff;
	udp[0] = 0x9c;
	udp[1] = 0x40;
	udp[2] = port >> 8;
	udp[3] = port & 0xff;
	udp[5] = 8 + 64;
	memcpy(pseudo, &s4, 4);
	memcpy(pseudo + 4, &d4, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	pseudo[10] = 0;
	pseudo[11] = 8 + 64;
	for (i = 0; i < count; i++) {
		uint32_t seq = htonl(i), part;

		memcpy(udp + 8, &seq, 4);
		memset(udp + 12, 0xa5, 60);
		udp[6] = 0;
		udp[7] = 0;
		part = 0xffff & ~csum_fold_add(pseudo, sizeof(pseudo), 0);
		sum = csum_fold_add(udp, 8 + 64, part);
		/* Wrong on purpose, never 0 (which means "no checksum"). */
		sum ^= 0x5555;
		if (!sum)
			sum = 1;
		udp[6] = sum >> 8;
		udp[7] = sum & 0xff;
		if (sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&sll,
			   sizeof(sll)) != sizeof(f)) {
			perror("xfer: sendto");
			return 1;
		}
	}
	close(fd);
	return 0;
}

static void print_help(void)
{
	fprintf(stderr,
		"usage: xfer tcp-recv PORT BYTES | tcp-send ADDR PORT BYTES |\n"
		"            udp-recv PORT COUNT SIZE SECONDS | sniff IFNAME SECONDS |\n"
		"            udp-send ADDR PORT COUNT SIZE |\n"
		"            csum-marks IFNAME PORT SECONDS |\n"
		"            udp-badsum IFNAME DSTMAC SRCADDR DSTADDR PORT COUNT\n");
	exit(2);
}

/*
 * A packet socket of TYPE for PROTO bound to IFNAME, whose reads give up
 * after 200 ms so that a watcher notices its deadline; -1 on error.
 */
static int packet_socket(const char *ifname, int type, int proto)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = if_nametoindex(ifname),
	};
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	int fd;

	if (!sll.sll_ifindex) {
		fprintf(stderr, "xfer: no interface %s\n", ifname);
		return -1;
	}
	fd = socket(AF_PACKET, type, htons(proto));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		perror("xfer: packet socket");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int sniff(const char *ifname, int secs)
{
	static unsigned char buf[256];
	unsigned long frames = 0;
	ssize_t largest = 0;
	double end, last;
	int fd;

	fd = packet_socket(ifname, SOCK_RAW, ETH_P_ALL);
	if (fd < 0)
		return 1;
	end = now() + secs;
	last = 0;
	while (now() < end && (!frames || now() - last < 1.0)) {
		struct sockaddr_ll from;
		socklen_t len = sizeof(from);
		/* MSG_TRUNC: the frame's real length, however little is read. */
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
				     (struct sockaddr *)&from, &len);

		if (n < 0 || from.sll_pkttype != PACKET_OUTGOING)
			continue;
		frames++;
		last = now();
		if (n > largest)
			largest = n;
	}
	close(fd);
	printf("xfer: %s sent %lu frames, largest %zd bytes\n", ifname, frames,
	       largest);
	return 0;
}

static int csum_marks(const char *ifname, unsigned int port, int secs)
{
	unsigned long seen = 0, valid = 0;
	/* Room for every datagram of a burst: none may be missed here. */
	int fd, on = 1, rcvbuf = 16 << 20;
	double end, last = 0;

	fd = packet_socket(ifname, SOCK_DGRAM, ETH_P_IP);
	if (fd < 0)
		return 1;
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &on, sizeof(on)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf))) {
		perror("xfer: packet socket");
		close(fd);
		return 1;
	}
	end = now() + secs;
	while (now() < end && (!seen || now() - last < 1.0)) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} ctl;
		struct sockaddr_ll from;
		unsigned char pkt[64];
		struct iovec iov = { .iov_base = pkt, .iov_len = sizeof(pkt) };
		struct msghdr msg = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		struct cmsghdr *c;
		unsigned int ihl, status = 0;
		ssize_t n = recvmsg(fd, &msg, 0);

		if (n < 20 || from.sll_pkttype != PACKET_HOST)
			continue;
		ihl = (pkt[0] & 0x0f) * 4;
		/* IPv4, UDP, not a fragment, to PORT. */
		if ((pkt[0] >> 4) != 4 || pkt[9] != IPPROTO_UDP || ihl < 20 ||
		    n < (ssize_t)ihl + 4 || (pkt[6] & 0x3f) || pkt[7] ||
		    (unsigned int)((pkt[ihl + 2] << 8) | pkt[ihl + 3]) != port)
			continue;
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			struct tpacket_auxdata aux;

			if (c->cmsg_level != SOL_PACKET ||
			    c->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			status = aux.tp_status;
		}
		seen++;
		last = now();
		if (status & TP_STATUS_CSUM_VALID)
			valid++;
	}
	close(fd);
	printf("xfer: %s received %lu datagrams to port %u, %lu marked checksum-valid\n",
	       ifname, seen, port, valid);
	return 0;
}

/* The errno name of the few errors write-nocap and write-nobody expect. */
static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	default: return "other";
	}
}

static int write_as(const char *mode, const char *file, const char *value)
{
	int fd;

	if (!strcmp(mode, "write-nocap")) {
		struct __user_cap_header_struct h = {
			.version = _LINUX_CAPABILITY_VERSION_3,
		};
		struct __user_cap_data_struct d[2];

		if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0) ||
		    syscall(SYS_capget, &h, d)) {
			printf("setup %s\n", errname(errno));
			return 0;
		}
		d[CAP_NET_ADMIN / 32].effective &= ~(1U << (CAP_NET_ADMIN % 32));
		d[CAP_NET_ADMIN / 32].permitted &= ~(1U << (CAP_NET_ADMIN % 32));
		d[CAP_NET_ADMIN / 32].inheritable &= ~(1U << (CAP_NET_ADMIN % 32));
		if (syscall(SYS_capset, &h, d)) {
			printf("setup %s\n", errname(errno));
			return 0;
		}
	} else if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
		printf("setup %s\n", errname(errno));
		return 0;
	}
	fd = open(file, O_WRONLY);
	if (fd < 0) {
		printf("open %s\n", errname(errno));
		return 0;
	}
	if (write(fd, value, strlen(value)) < 0)
		printf("write %s\n", errname(errno));
	else
		printf("ok\n");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "tcp-recv"))
		return tcp_recv(atoi(argv[2]), strtoull(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "tcp-send"))
		return tcp_send(argv[2], atoi(argv[3]),
				strtoull(argv[4], NULL, 0));
	if (argc == 6 && !strcmp(argv[1], "udp-recv")) {
		size_t size = strtoul(argv[4], NULL, 0);

		if (size < 4 || size > BUF_SIZE)
			print_help();
		return udp_recv(atoi(argv[2]), strtoul(argv[3], NULL, 0),
				size, atoi(argv[5]));
	}
	if (argc == 6 && !strcmp(argv[1], "udp-send")) {
		size_t size = strtoul(argv[5], NULL, 0);

		if (size < 4 || size > BUF_SIZE)
			print_help();
		return udp_send(argv[2], atoi(argv[3]),
				strtoul(argv[4], NULL, 0), size);
	}
	if (argc == 8 && !strcmp(argv[1], "udp-badsum"))
		return udp_badsum(argv[2], argv[3], argv[4], argv[5], atoi(argv[6]),
				  strtoul(argv[7], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "sniff"))
		return sniff(argv[2], atoi(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "run-nobody")) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
			perror("xfer: run-nobody");
			return 1;
		}
		execvp(argv[2], argv + 2);
		perror("xfer: run-nobody: exec");
		return 1;
	}
	if (argc == 4 && (!strcmp(argv[1], "write-nocap") ||
			  !strcmp(argv[1], "write-nobody")))
		return write_as(argv[1], argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "csum-marks"))
		return csum_marks(argv[2], atoi(argv[3]), atoi(argv[4]));
	print_help();
	return 2;
}
