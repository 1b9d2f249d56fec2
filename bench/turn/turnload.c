/*
 * bench/turn's data plane, in C so that the generator is never the bottleneck (run.mjs proves it
 * against the C echo). Built at run time: cc -O2 -o turnload turnload.c
 *
 *   turnload echo ADDR PORT
 *       UDP echo: every datagram goes back to its sender (recvmmsg/sendmmsg, 64 at a time).
 *   turnload gen SERVER_ADDR SERVER_PORT BIND_ADDR PORTS CHANNEL RATE SECONDS SIZE
 *       One UDP socket per port in PORTS (comma-separated, each already allocated by run.mjs with
 *       CHANNEL bound to the echo), connected to the server. Sends RATE messages a second in total,
 *       round robin over the sockets, for SECONDS, then waits one more second for stragglers.
 *       CHANNEL 0 sends the bare payload (to the echo itself: the generator's own ceiling).
 *       Prints one JSON line: sent, received, p50/p99/max round trip in microseconds.
 *   turnload flood SERVER_ADDR SERVER_PORT BIND_ADDR RATE SECONDS
 *       Unauthenticated Allocate requests (a fresh transaction id each) from one address.
 *
 * Payload: 4-byte sequence number, 8-byte send time (CLOCK_MONOTONIC ns), zero padding to SIZE.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_SOCKS 4096
#define MAX_RTT_US 2000000

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

static int udp_socket(const char *addr, int port, int bufsize) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) die("inet_pton");
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  return fd;
}

static void connect_to(int fd, const char *addr, int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) die("inet_pton");
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
}

static _Noreturn void echo(const char *addr, int port) {
  int fd = udp_socket(addr, port, 8 << 20);
  static char bufs[BATCH][2048];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_in from[BATCH];
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      iov[i] = (struct iovec){bufs[i], sizeof bufs[i]};
      msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &iov[i], .msg_iovlen = 1};
    }
    int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("recvmmsg");
    }
    for (int i = 0; i < n; i++) iov[i].iov_len = msgs[i].msg_len;
    for (int off = 0; off < n;) {
      int s = sendmmsg(fd, msgs + off, (unsigned)(n - off), 0);
      if (s <= 0) break; /* a full send buffer: the rest is lost, as a real peer would lose it */
      off += s;
    }
  }
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static int gen(char **argv) {
  const char *server = argv[0];
  int server_port = atoi(argv[1]);
  const char *bind_addr = argv[2];
  char *ports = argv[3];
  int channel = (int)strtol(argv[4], NULL, 0);
  double rate = atof(argv[5]);
  double seconds = atof(argv[6]);
  int size = atoi(argv[7]);
  int hdr = channel ? 4 : 0;
  if (size < 12 || size > 1400) size = 170;

  static int fds[MAX_SOCKS];
  static struct pollfd pfds[MAX_SOCKS];
  int n = 0;
  for (char *p = strtok(ports, ","); p && n < MAX_SOCKS; p = strtok(NULL, ",")) {
    fds[n] = udp_socket(bind_addr, atoi(p), 4 << 20);
    connect_to(fds[n], server, server_port);
    pfds[n] = (struct pollfd){.fd = fds[n], .events = POLLIN};
    n++;
  }
  if (n == 0) {
    fprintf(stderr, "no ports\n");
    return 1;
  }
  uint32_t *rtts = malloc(sizeof(uint32_t) * (size_t)(rate * seconds + 16));
  char out[1500] = {0};
  if (channel) {
    out[0] = (char)(channel >> 8);
    out[1] = (char)channel;
    out[2] = (char)(size >> 8);
    out[3] = (char)size;
  }
  uint64_t start = now_ns();
  uint64_t end = start + (uint64_t)(seconds * 1e9);
  uint64_t drain = end + 1000000000ull;
  uint64_t sent = 0, received = 0, total = (uint64_t)(rate * seconds);
  static char bufs[BATCH][2048];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  for (;;) {
    uint64_t t = now_ns();
    if (t >= drain || (sent >= total && received >= sent)) break;
    uint64_t due = t >= end ? total : (uint64_t)((double)(t - start) * rate / 1e9);
    if (due > total) due = total;
    while (sent < due) {
      uint32_t seq = (uint32_t)sent;
      uint64_t ts = now_ns();
      memcpy(out + hdr, &seq, 4);
      memcpy(out + hdr + 4, &ts, 8);
      if (send(fds[sent % (uint64_t)n], out, (size_t)(hdr + size), 0) < 0 && errno == EAGAIN) break;
      sent++;
    }
    int ready = poll(pfds, (nfds_t)n, sent < total ? 0 : 10);
    if (ready <= 0) continue;
    for (int i = 0; i < n; i++) {
      if (!(pfds[i].revents & POLLIN)) continue;
      for (;;) {
        for (int j = 0; j < BATCH; j++) {
          iov[j] = (struct iovec){bufs[j], sizeof bufs[j]};
          msgs[j].msg_hdr = (struct msghdr){.msg_iov = &iov[j], .msg_iovlen = 1};
        }
        int got = recvmmsg(fds[i], msgs, BATCH, MSG_DONTWAIT, NULL);
        if (got <= 0) break;
        uint64_t tr = now_ns();
        for (int j = 0; j < got; j++) {
          if ((int)msgs[j].msg_len < hdr + 12) continue;
          uint64_t ts;
          memcpy(&ts, bufs[j] + hdr + 4, 8);
          uint64_t us = (tr - ts) / 1000;
          if (received < total + 16) rtts[received] = (uint32_t)(us > MAX_RTT_US ? MAX_RTT_US : us);
          received++;
        }
        if (got < BATCH) break;
      }
    }
  }
  double elapsed = (double)(now_ns() - start) / 1e9;
  uint64_t k = received < total ? received : total;
  qsort(rtts, (size_t)k, sizeof(uint32_t), cmp_u32);
  uint32_t p50 = k ? rtts[k / 2] : 0, p99 = k ? rtts[(k * 99) / 100] : 0, mx = k ? rtts[k - 1] : 0;
  printf("{\"sockets\":%d,\"offeredPerSecond\":%.0f,\"seconds\":%.3f,\"sent\":%llu,\"received\":%llu,"
         "\"lossPercent\":%.4f,\"rttUs\":{\"p50\":%u,\"p99\":%u,\"max\":%u}}\n",
         n, rate, elapsed, (unsigned long long)sent, (unsigned long long)received,
         sent ? 100.0 * (double)(sent - (received > sent ? sent : received)) / (double)sent : 0.0, p50, p99,
         mx);
  return 0;
}

/* An unauthenticated Allocate: 20-byte header and REQUESTED-TRANSPORT UDP (RFC 8656 §7.1). */
static int flood(char **argv) {
  int fd = udp_socket(argv[2], 0, 1 << 20);
  connect_to(fd, argv[0], atoi(argv[1]));
  double rate = atof(argv[3]);
  double seconds = atof(argv[4]);
  unsigned char msg[28] = {0x00, 0x03, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42};
  msg[20] = 0x00, msg[21] = 0x19, msg[22] = 0x00, msg[23] = 0x04, msg[24] = 17;
  uint64_t start = now_ns(), sent = 0, total = (uint64_t)(rate * seconds);
  char sink[2048];
  while (sent < total) {
    uint64_t due = (uint64_t)((double)(now_ns() - start) * rate / 1e9);
    while (sent < due && sent < total) {
      uint64_t id = sent * 0x9e3779b97f4a7c15ull;
      memcpy(msg + 8, &id, 8);
      memcpy(msg + 16, &sent, 4);
      send(fd, msg, sizeof msg, 0);
      sent++;
    }
    while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
    usleep(200);
  }
  printf("{\"sent\":%llu}\n", (unsigned long long)sent);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "echo") == 0) echo(argv[2], atoi(argv[3]));
  if (argc >= 10 && strcmp(argv[1], "gen") == 0) return gen(argv + 2);
  if (argc >= 7 && strcmp(argv[1], "flood") == 0) return flood(argv + 2);
  fprintf(stderr, "usage: turnload echo ADDR PORT | gen ... | flood ... (see the comment at the top)\n");
  return 2;
}
