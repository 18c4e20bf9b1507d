// No _GNU_SOURCE here: it would change struct layouts that Glibc's module also defines.
// The GNU-only calls we need are declared by hand below.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>

int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
int pipe2(int pipefd[2], int flags);
int pthread_setname_np(pthread_t thread, const char *name);
// Starts write-back of a file range without waiting (SYNC_FILE_RANGE_WRITE = 2); it makes nothing durable.
int sync_file_range(int fd, long long offset, long long nbytes, unsigned int flags);
enum { HR_SYNC_FILE_RANGE_WRITE = 2 };

#include <stdint.h>
#include <stddef.h>

// CRC-32C (Castagnoli) of the body log's records. The SSE4.2 instruction when the CPU has it (8 bytes
// per instruction: a 1.5 KB record in ~0.1 µs), else a bytewise table. Same polynomial either way.
static inline uint32_t hr_crc32c_table(uint32_t crc, const uint8_t *p, size_t n) {
    static uint32_t table[256];
    static int ready = 0;
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            table[i] = c;
        }
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    }
    while (n--) crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static inline uint32_t hr_crc32c_sse42(uint32_t crc, const uint8_t *p, size_t n) {
    uint64_t c = crc;
    while (n >= 8) {
        uint64_t v;
        __builtin_memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}
#endif

/// CRC-32C of `n` bytes at `p` (the standard form: initial and final inversion).
static inline uint32_t hr_crc32c(const void *p, size_t n) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2")) return ~hr_crc32c_sse42(~0u, (const uint8_t *)p, n);
#endif
    return ~hr_crc32c_table(~0u, (const uint8_t *)p, n);
}
