// LD_PRELOAD shim for the power-loss suite: logs every write, truncate, unlink and flush the process
// makes to files under $POWERLOSS_DIR, in order, to $POWERLOSS_LOG. A SIGKILL keeps the page cache,
// so it cannot show what a power cut loses; replaying this log *only up to each file's last
// fsync/fdatasync* rebuilds the files as a power cut that dropped every unflushed write would leave
// them (powerloss.py). The log is written with raw syscalls so the shim never logs itself.
//
// Record: 1 byte kind ('W' write, 'T' truncate, 'S' sync, 'U' unlink, 'O' open), 2 bytes path
// length, the path, then for W: 8 bytes offset, 4 bytes length, the bytes; for T: 8 bytes size.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_FD 65536
static char *paths[MAX_FD];
static int log_fd = -1;
static const char *dir;
static size_t dir_len;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void setup(void) {
    if (dir) return;
    dir = getenv("POWERLOSS_DIR");
    const char *log = getenv("POWERLOSS_LOG");
    if (!dir || !log) { dir = ""; return; }
    dir_len = strlen(dir);
    log_fd = (int)syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

static void raw_write(const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = syscall(SYS_write, log_fd, c, n);
        if (w <= 0) return;
        c += w;
        n -= (size_t)w;
    }
}

static void record(char kind, const char *path, int64_t offset, const void *data, uint32_t len, int has_offset) {
    if (log_fd < 0 || !path) return;
    uint16_t plen = (uint16_t)strlen(path);
    pthread_mutex_lock(&lock);
    raw_write(&kind, 1);
    raw_write(&plen, 2);
    raw_write(path, plen);
    if (has_offset) raw_write(&offset, 8);
    if (kind == 'W') {
        raw_write(&len, 4);
        raw_write(data, len);
    }
    pthread_mutex_unlock(&lock);
}

static int tracked(const char *path) { return dir_len > 0 && path && strncmp(path, dir, dir_len) == 0; }

static void opened(int fd, const char *path) {
    if (fd < 0 || fd >= MAX_FD || !tracked(path)) return;
    free(paths[fd]);
    paths[fd] = strdup(path);
    record('O', path, 0, NULL, 0, 0);
}

#define REAL(name) static __typeof__(&name) real_##name; if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name)

int open(const char *path, int flags, ...) {
    REAL(open); setup();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap); }
    int fd = real_open(path, flags, mode);
    opened(fd, path);
    return fd;
}

int open64(const char *path, int flags, ...) {
    REAL(open64); setup();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap); }
    int fd = real_open64(path, flags, mode);
    opened(fd, path);
    return fd;
}

int openat(int dirfd, const char *path, int flags, ...) {
    REAL(openat); setup();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap); }
    int fd = real_openat(dirfd, path, flags, mode);
    opened(fd, path);
    return fd;
}

int close(int fd) {
    REAL(close);
    if (fd >= 0 && fd < MAX_FD && paths[fd]) { free(paths[fd]); paths[fd] = NULL; }
    return real_close(fd);
}

static const char *path_of(int fd) { return fd >= 0 && fd < MAX_FD ? paths[fd] : NULL; }

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t offset) {
    REAL(pwrite64);
    ssize_t w = real_pwrite64(fd, buf, n, offset);
    if (w > 0) record('W', path_of(fd), offset, buf, (uint32_t)w, 1);
    return w;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t offset) {
    REAL(pwrite);
    ssize_t w = real_pwrite(fd, buf, n, offset);
    if (w > 0) record('W', path_of(fd), offset, buf, (uint32_t)w, 1);
    return w;
}

ssize_t write(int fd, const void *buf, size_t n) {
    REAL(write);
    const char *p = path_of(fd);
    off_t at = p ? lseek(fd, 0, SEEK_CUR) : 0;
    ssize_t w = real_write(fd, buf, n);
    if (w > 0 && p) record('W', p, at, buf, (uint32_t)w, 1);
    return w;
}

int ftruncate(int fd, off_t size) {
    REAL(ftruncate);
    int r = real_ftruncate(fd, size);
    if (r == 0) record('T', path_of(fd), size, NULL, 0, 1);
    return r;
}

int ftruncate64(int fd, off_t size) {
    REAL(ftruncate64);
    int r = real_ftruncate64(fd, size);
    if (r == 0) record('T', path_of(fd), size, NULL, 0, 1);
    return r;
}

int fsync(int fd) {
    REAL(fsync);
    int r = real_fsync(fd);
    if (r == 0) record('S', path_of(fd), 0, NULL, 0, 0);
    return r;
}

int fdatasync(int fd) {
    REAL(fdatasync);
    int r = real_fdatasync(fd);
    if (r == 0) record('S', path_of(fd), 0, NULL, 0, 0);
    return r;
}

int unlink(const char *path) {
    REAL(unlink); setup();
    int r = real_unlink(path);
    if (r == 0 && tracked(path)) record('U', path, 0, NULL, 0, 0);
    return r;
}
