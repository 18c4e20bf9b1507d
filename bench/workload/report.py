"""One round's lines of bench/workload/run.sh, its figures appended to ROUNDS for the run's medians.
Usage: report.py NGINX_WRK HR_WRK EVENTS_BEFORE EVENTS_AFTER DRAIN STARTUP RSS ROUNDS
       report.py --medians ROUNDS"""
import re
import statistics
import sys

if sys.argv[1] == "--medians":
    rounds = [line.split() for line in open(sys.argv[2])]
    ratios, rates, p99s = ([float(r[i]) for r in rounds] for i in range(3))
    print("== median of %d rounds: %.3fx nginx, %.0f events/s, p99 %.2f ms (p99 worst %.2f ms)" % (
        len(rounds), statistics.median(ratios), statistics.median(rates), statistics.median(p99s), max(p99s)))
    sys.exit(0)

nginx_out, hr_out, before, after, drain, startup, rss, rounds_file = sys.argv[1:9]


def wrk(path):
    out = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def lat(p):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)\b" % p, out)
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else (v * 1000 if m.group(2) == "s" else v)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return rps, lat(50), lat(99), int(non2xx.group(1)) if non2xx else 0, errors.group(1) if errors else "none"


n, h = wrk(nginx_out), wrk(hr_out)
backlog, drain_s = drain.split()
print("nginx      %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms" % n[:3])
print("hookrouter %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  = %.3fx nginx  non-2xx %d  errors %s" % (h[0], h[1], h[2], h[0] / n[0], h[3], h[4]))
print("           store at seq %s -> %s; deliveries owed at the end %s, drained in %s s; start-up %s s; peak RSS %s" % (
    before, after, backlog, drain_s, startup, rss))
with open(rounds_file, "a") as f:
    f.write("%f %f %f\n" % (h[0] / n[0], h[0], h[2]))
