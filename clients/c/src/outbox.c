#include "outbox.h"

#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "peerlink/quic_signaling.h"

int plqs_outbox_init(plqs_outbox *o) {
  o->head = o->tail = NULL;
  o->eventfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (o->eventfd < 0) return PLQS_ERR_NETWORK;
  pthread_mutex_init(&o->lock, NULL);
  return PLQS_OK;
}

void plqs_outbox_destroy(plqs_outbox *o) {
  plqs_outbox_free_items(plqs_outbox_take_all(o));
  pthread_mutex_destroy(&o->lock);
  if (o->eventfd >= 0) close(o->eventfd);
  o->eventfd = -1;
}

void plqs_outbox_wake(plqs_outbox *o) {
  uint64_t one = 1;
  /* EAGAIN only when the counter is near overflow: the thread is awake anyway. */
  if (write(o->eventfd, &one, sizeof(one)) < 0) return;
}

void plqs_outbox_ack_wake(plqs_outbox *o) {
  uint64_t v;
  if (read(o->eventfd, &v, sizeof(v)) < 0) return;
}

int plqs_outbox_push(plqs_outbox *o, uint8_t *frame, size_t len) {
  plqs_outbox_item *it = malloc(sizeof(*it));
  if (it == NULL) {
    free(frame);
    return PLQS_ERR_NOMEM;
  }
  it->next = NULL;
  it->frame = frame;
  it->len = len;
  pthread_mutex_lock(&o->lock);
  if (o->tail != NULL) o->tail->next = it;
  else o->head = it;
  o->tail = it;
  pthread_mutex_unlock(&o->lock);
  plqs_outbox_wake(o);
  return PLQS_OK;
}

plqs_outbox_item *plqs_outbox_take_all(plqs_outbox *o) {
  pthread_mutex_lock(&o->lock);
  plqs_outbox_item *items = o->head;
  o->head = o->tail = NULL;
  pthread_mutex_unlock(&o->lock);
  return items;
}

void plqs_outbox_free_items(plqs_outbox_item *items) {
  while (items != NULL) {
    plqs_outbox_item *next = items->next;
    free(items->frame);
    free(items);
    items = next;
  }
}
