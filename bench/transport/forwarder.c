/*
 * A two-port TAP forwarder with a fixed one-way delay: the link emulation for bench/transport,
 * because this kernel has no netem. It creates TAP device NAME_A inside network namespace NS_A and
 * NAME_B inside NS_B (setns before TUNSETIFF, so each device is born in its namespace), then moves
 * every Ethernet frame from one to the other after DELAY_US microseconds. Loss is not done here:
 * the benchmark drops packets with nftables (`numgen random mod 100 < N drop`) on input.
 *
 *   forwarder NS_A NAME_A NS_B NAME_B DELAY_US      prints "ready" once both devices exist
 *
 * Built by bench/transport/run.mjs at run time (cc -O2); never committed as a binary. This should
 * move into the NAT lab's link emulation (lab/, issue #5) once that is merged.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 32768
#define FRAME 2048

struct frame {
  uint64_t due;
  int len;
  unsigned char data[FRAME];
};

/* One direction: a FIFO of frames waiting for their due time (the delay is constant, so FIFO order
   is due order). */
struct queue {
  struct frame *slots;
  unsigned head, tail;
  int in, out;
  unsigned long dropped;
};

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + ts.tv_nsec / 1000;
}

static int open_tap_in(const char *ns, const char *name) {
  char path[256];
  snprintf(path, sizeof path, "/var/run/netns/%s", ns);
  int nsfd = open(path, O_RDONLY);
  if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
    perror(path);
    exit(1);
  }
  close(nsfd);
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
    perror("TUNSETIFF");
    exit(1);
  }
  return fd;
}

/* Reads every frame waiting on q->in into the queue, stamped with its due time. */
static void take(struct queue *q, uint64_t delay) {
  for (;;) {
    if (q->tail - q->head >= SLOTS) {
      unsigned char sink[FRAME];
      if (read(q->in, sink, FRAME) <= 0) return;
      q->dropped++;
      continue;
    }
    struct frame *f = &q->slots[q->tail % SLOTS];
    int n = read(q->in, f->data, FRAME);
    if (n <= 0) return;
    f->len = n;
    f->due = now_us() + delay;
    q->tail++;
  }
}

/* Writes every frame whose time has come; returns microseconds until the next one (or -1). */
static int64_t give(struct queue *q) {
  uint64_t t = now_us();
  while (q->head != q->tail) {
    struct frame *f = &q->slots[q->head % SLOTS];
    if (f->due > t) return (int64_t)(f->due - t);
    if (write(q->out, f->data, f->len) < 0) q->dropped++;
    q->head++;
  }
  return -1;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: forwarder NS_A NAME_A NS_B NAME_B DELAY_US\n");
    return 2;
  }
  int a = open_tap_in(argv[1], argv[2]);
  int b = open_tap_in(argv[3], argv[4]);
  uint64_t delay = strtoull(argv[5], NULL, 10);
  struct queue ab = {calloc(SLOTS, sizeof(struct frame)), 0, 0, a, b, 0};
  struct queue ba = {calloc(SLOTS, sizeof(struct frame)), 0, 0, b, a, 0};
  if (!ab.slots || !ba.slots) return 1;
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    int64_t w1 = give(&ab), w2 = give(&ba);
    int64_t wait = w1 < 0 ? w2 : (w2 < 0 ? w1 : (w1 < w2 ? w1 : w2));
    struct pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    /* ppoll's nanosecond timeout keeps the delay exact to the scheduler's wakeup latency. */
    if (wait < 0) wait = 1000000;
    struct timespec timeout = {wait / 1000000, (wait % 1000000) * 1000};
    if (ppoll(fds, 2, &timeout, NULL) < 0) return 1;
    if (fds[0].revents & POLLIN) take(&ab, delay);
    if (fds[1].revents & POLLIN) take(&ba, delay);
  }
}
