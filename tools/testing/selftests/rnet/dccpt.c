// SPDX-License-Identifier: GPL-2.0
/*
 * dccpt: the DCCP socket calls of the rnet selftests, one per run, each
 * printing what happened on one line ("ok", or "errno N (text)").
 *
 *   dccpt socket                   socket(AF_INET, SOCK_DCCP, IPPROTO_DCCP)
 *   dccpt listen PORT SECS         bind, listen, hold the socket SECS s
 *   dccpt bind PORT                bind only, then close
 *   dccpt connect ADDR PORT        blocking connect
 *   dccpt raw ADDR PORT KIND       one hand-made packet on a raw socket:
 *                                  KIND badcsum (a Request with a wrong
 *                                  checksum) or short (8 bytes)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SOCK_DCCP
#define SOCK_DCCP 6
#endif
#ifndef IPPROTO_DCCP
#define IPPROTO_DCCP 33
#endif

static int report(int rc)
{
	if (rc < 0)
		printf("errno %d (%s)\n", errno, strerror(errno));
	else
		printf("ok\n");
	fflush(stdout);
	return 0;
}

static int dccp_socket(void)
{
	return socket(AF_INET, SOCK_DCCP, IPPROTO_DCCP);
}

static void addr_of(struct sockaddr_in *a, const char *ip, const char *port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(atoi(port));
	a->sin_addr.s_addr = ip ? inet_addr(ip) : htonl(INADDR_ANY);
}

static int do_listen(const char *port, int secs, int do_listen_call)
{
	struct sockaddr_in a;
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

static int do_connect(const char *ip, const char *port)
{
	struct sockaddr_in a;
	int fd = dccp_socket();

	if (fd < 0)
		return report(-1);
	addr_of(&a, ip, port);
	report(connect(fd, (struct sockaddr *)&a, sizeof(a)));
	close(fd);
	return 0;
}

/* A DCCP-Request with 48-bit sequence numbers, checksum left wrong. */
static int do_raw(const char *ip, const char *port, const char *kind)
{
	unsigned char p[20] = { 0 };
	struct sockaddr_in a;
	size_t len = sizeof(p);
	uint16_t sport = htons(40000), dport;
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_DCCP);

	if (fd < 0)
		return report(-1);
	addr_of(&a, ip, port);
	dport = a.sin_port;
	a.sin_port = 0;
	memcpy(p, &sport, 2);
	memcpy(p + 2, &dport, 2);
	p[4] = 5;		/* Data Offset: 20 bytes */
	p[6] = 0x12;		/* a checksum that cannot be right for all */
	p[7] = 0x34;
	p[8] = 0 << 1 | 1;	/* Request, X = 1 */
	p[15] = 1;		/* sequence number 1 */
	if (!strcmp(kind, "short"))
		len = 8;
	else if (strcmp(kind, "badcsum"))
		return fprintf(stderr, "unknown kind %s\n", kind), 2;
	report(sendto(fd, p, len, 0, (struct sockaddr *)&a, sizeof(a)));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "socket")) {
		int fd = dccp_socket();

		report(fd);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "listen"))
		return do_listen(argv[2], atoi(argv[3]), 1);
	if (argc == 3 && !strcmp(argv[1], "bind"))
		return do_listen(argv[2], 0, 0);
	if (argc == 4 && !strcmp(argv[1], "connect"))
		return do_connect(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "raw"))
		return do_raw(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: see the comment at the top of dccpt.c\n");
	return 2;
}
