/* The reference for bench/delivery: a plain libcurl multi loop POSTing the same body N times to one
 * URL with C requests in flight, connection reuse on. Prints requests/s.
 * Build: cc -O2 -o curl_loop curl_loop.c -lcurl     Run: ./curl_loop URL BODYFILE N C */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static size_t discard(char *p, size_t s, size_t n, void *u) { (void)p; (void)u; return s * n; }

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: %s URL BODYFILE N C\n", argv[0]); return 2; }
    const char *url = argv[1]; long n = atol(argv[3]); int c = atoi(argv[4]);
    FILE *f = fopen(argv[2], "rb"); if (!f) { perror("body"); return 2; }
    static char body[1 << 20]; size_t len = fread(body, 1, sizeof body, f); fclose(f);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    long started = 0, done = 0, failed = 0;
    double t0 = now();
    while (done < n) {
        while (started < n && started - done < c) {
            CURL *e = curl_easy_init();
            curl_easy_setopt(e, CURLOPT_URL, url);
            curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
            curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
            curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
            curl_multi_add_handle(m, e);
            started++;
        }
        int running; curl_multi_perform(m, &running);
        CURLMsg *msg; int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            long code = 0; curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result != CURLE_OK || code != 200) failed++;
            curl_multi_remove_handle(m, msg->easy_handle); curl_easy_cleanup(msg->easy_handle); done++;
        }
        curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double secs = now() - t0;
    printf("curl-loop  %ld requests in %.2f s: %.0f req/s (%ld failed)\n", n, secs, n / secs, failed);
    return failed ? 1 : 0;
}
