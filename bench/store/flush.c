// What one durable batch of the body log costs the host, by the way it is written: wall time and CPU per
// batch (the process's, getrusage; and all cores', /proc/stat, which also counts the kernel's threads
// and interrupts a flush sets off). Each batch is BYTES appended after the last and made durable before
// the next, as the writer's group commits are.
//   buffered        pwrite into a file allocated with fallocate, then fdatasync (what BodyLog does,
//                   less its sync_file_range)
//   buffered-pre    the same into a file written with zeros beforehand (no extent to convert per flush)
//   direct-dsync    O_DIRECT|O_DSYNC pwrite into the pre-written file: no page cache; the block the last
//                   batch ended in is written again with the next (O_DIRECT needs 4 KiB-aligned writes)
// Build: gcc -O2 -o /tmp/store-flush bench/store/flush.c
// Run:   for m in buffered buffered-pre direct-dsync; do taskset -c 0 /tmp/store-flush $m DIR [BATCHES] [BYTES]; done
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }

static double wall(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double process_cpu(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Busy time of all cores in seconds (user, nice, system, irq, softirq).
static double cores_cpu(void) {
    FILE *f = fopen("/proc/stat", "r");
    if (!f) die("/proc/stat");
    long long user, nice, system, idle, iowait, irq, softirq;
    if (fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld", &user, &nice, &system, &idle, &iowait, &irq, &softirq) != 7) die("/proc/stat");
    fclose(f);
    return (user + nice + system + irq + softirq) / (double)sysconf(_SC_CLK_TCK);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s buffered|buffered-pre|direct-dsync DIR [BATCHES] [BYTES]\n", argv[0]); return 2; }
    const char *mode = argv[1];
    int batches = argc > 3 ? atoi(argv[3]) : 2000;
    long bytes = argc > 4 ? atol(argv[4]) : 69632;  // 43 events of 1.6 KB: the workload's batch
    int pre = strcmp(mode, "buffered") != 0, direct = strcmp(mode, "direct-dsync") == 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/store-flush.log", argv[2]);
    long size = batches * bytes + (1 << 20);

    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0) die(path);
    if (pre) {
        char *zeros = calloc(1, 1 << 20);
        for (long at = 0; at < size; at += 1 << 20)
            if (pwrite(fd, zeros, 1 << 20, at) != 1 << 20) die("pre-writing");
        free(zeros);
    } else if (fallocate(fd, 0, 0, size) != 0) die("fallocate");
    if (fsync(fd) != 0) die("fsync");
    close(fd);
    fd = open(path, O_RDWR | (direct ? O_DIRECT | O_DSYNC : 0));
    if (fd < 0) die(path);

    char *buffer;
    if (posix_memalign((void **)&buffer, 4096, bytes + 8192) != 0) die("posix_memalign");
    memset(buffer, 'x', bytes + 8192);
    double w0 = wall(), p0 = process_cpu(), c0 = cores_cpu();
    long end = 0;
    for (int b = 0; b < batches; b++) {
        if (direct) {
            long from = end & ~4095L, to = (end + bytes + 4095) & ~4095L;
            if (pwrite(fd, buffer, to - from, from) != to - from) die("pwrite");
        } else {
            if (pwrite(fd, buffer, bytes, end) != bytes) die("pwrite");
            if (fdatasync(fd) != 0) die("fdatasync");
        }
        end += bytes;
    }
    double w = wall() - w0, p = process_cpu() - p0, c = cores_cpu() - c0;
    printf("%-13s %ld bytes a batch: %5.0f us wall, %5.0f us CPU (process), %5.0f us CPU (all cores) per batch\n",
           mode, bytes, w * 1e6 / batches, p * 1e6 / batches, c * 1e6 / batches);
    close(fd);
    unlink(path);
    return 0;
}
