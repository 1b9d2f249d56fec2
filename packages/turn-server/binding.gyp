{
  "targets": [
    {
      "target_name": "turn_relay",
      "sources": ["native/turn_relay.c"],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
