/* Test tool: one UDP datagram from a socket bound to a device.
 *   bindsend DEV DST PORT TEXT
 * binds the socket to DEV (SO_BINDTODEVICE: unprivileged since Linux 5.7)
 * and sends TEXT to DST:PORT (IPv4 or IPv6).  Prints "sent" (exit 0) or
 * "error: ..." with the errno name's text (exit 1); 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t slen;
	int fd, port;

	if (argc != 5 || (port = atoi(argv[3])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: bindsend DEV DST PORT TEXT\n");
		return 2;
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, argv[2], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		slen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[2], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		slen = sizeof(*s6);
	} else {
		fprintf(stderr, "bindsend: bad address %s\n", argv[2]);
		return 2;
	}
	if ((fd = socket(ss.ss_family, SOCK_DGRAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[1], (socklen_t)strlen(argv[1])) < 0) {
		printf("error: socket/SO_BINDTODEVICE: %s\n", strerror(errno));
		return 1;
	}
	if (sendto(fd, argv[4], strlen(argv[4]), 0, (struct sockaddr *)&ss, slen) < 0) {
		printf("error: %s\n", strerror(errno));
		return 1;
	}
	printf("sent\n");
	close(fd);
	return 0;
}
