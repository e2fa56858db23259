/* test_date.c — ISO 8601 dates (valid and invalid forms, every day of 1900..2100 against
 * libc's timegm) and URL hosts. */
#include "harness.h"
#include "nf_int.h"
#include <time.h>

static void test_date_table(void)
{
    static const struct { const char *s; int64_t t; } ok[] = {
        {"1970-01-01", 0},
        {"2023-03-20", 1679270400},
        {"20230320", 1679270400},
        {"  2023-03-20 \n", 1679270400},
        {"2023-03-20T00:00:00Z", 1679270400},
        {"2023-03-20T10:00:00Z", 1679306400},
        {"2023-03-20t10:00:00z", 1679306400},
        {"2023-03-20 10:00:00Z", 1679306400},
        {"2023-03-20T10:00:00", 1679306400},          /* no zone: read as UTC */
        {"2023-03-20T10:00Z", 1679306400},
        {"2023-03-20T10Z", 1679306400},
        {"2023-03-20T12:00:00+02:00", 1679306400},
        {"2023-03-20T12:00:00+0200", 1679306400},
        {"2023-03-20T12:00:00+02", 1679306400},
        {"2023-03-20T05:30:00-04:30", 1679306400},
        {"2023-03-20T10:00:00.123Z", 1679306400},
        {"2023-03-20T10:00:00,999999+00:00", 1679306400},
        {"20230320T100000Z", 1679306400},
        {"20230320T1000Z", 1679306400},
        {"2023-03-20T24:00:00Z", 1679356800},         /* end of day = next midnight */
        {"2016-12-31T23:59:60Z", 1483228800},         /* leap second lands on the next minute */
        {"2024-02-29", 1709164800},
        {"2000-02-29", 951782400},
        {"1969-12-31T23:59:59Z", -1},
        {"1900-01-01", -2208988800LL},
        /* zone names and a space before the zone (web pages, RFC 2822) */
        {"2023-03-20 10:00:00 GMT", 1679306400},
        {"2023-03-20 10:00:00 UTC", 1679306400},
        {"2023-03-20T10:00:00UTC", 1679306400},
        {"2023-03-20T12:00:00 +02:00", 1679306400},
        {"2023-03-20T05:00:00 EST", 1679306400},
        {"2023-03-20T03:00:00 PDT", 1679306400},
        {"2023-03-20T10:00:00Z (Coordinated Universal Time)", 1679306400},
        /* RFC 2822 */
        {"Mon, 20 Mar 2023 10:00:00 GMT", 1679306400},
        {"Mon, 20 Mar 2023 10:00:00 +0000", 1679306400},
        {"Mon, 20 Mar 2023 04:00:00 -0600", 1679306400},
        {"20 Mar 2023 10:00 UT", 1679306400},
        {"20 Mar 2023", 1679270400},
        {"5 Mar 2023", 1677974400},
        {"Monday, 20 March 2023", 1679270400},
        /* written English dates */
        {"March 20, 2023", 1679270400},
        {"march 20 2023", 1679270400},
        {"Mar. 20, 2023", 1679270400},
        {"Sept. 5, 2023", 1693872000},
        {"March 20, 2023 10:00", 1679306400},
        {"March 20, 2023, 10:00 AM", 1679306400},
        {"March 20, 2023, 5:00 AM EST", 1679306400},
        {"Mar 20, 2023 at 10:00 GMT", 1679306400},
        {"Mar. 20, 2023, 6:18 p.m.", 1679336280},
        {"March 20, 2023 12:30 am", 1679272200},
        {"March 20, 2023 12:30 PM", 1679315400},
        {"Mon Mar 20 2023 10:00:00 GMT+0000 (UTC)", 1679306400},
        {"Mon Mar 20 2023 12:00:00 GMT+0200 (Central European Summer Time)", 1679306400},
        {"Feb 29, 2024", 1709164800},
    };
    for (size_t i = 0; i < NF_ARRAY_LEN(ok); i++) {
        int64_t t = 0;
        nf_rc rc = nf_parse_date(ok[i].s, strlen(ok[i].s), &t);
        CHECK_MSG(rc == NF_OK && t == ok[i].t, "'%s': rc %d, %lld != %lld", ok[i].s, rc,
                  (long long)t, (long long)ok[i].t);
    }
    static const char *const bad[] = {
        "", " ", "2023", "2023-03", "2023-3-20", "2023-03-2", "23-03-20", "2023/03/20",
        "2023-13-01", "2023-00-10", "2023-02-29", "1900-02-29", "2023-04-31", "2023-03-00",
        "2023-03-20T", "2023-03-20T25:00Z", "2023-03-20T10:60Z", "2023-03-20T10:00:61Z",
        "2023-03-20T24:00:01Z", "2023-03-20T10:00:00.Z", "2023-03-20T10:00:00+24:00",
        "2023-03-20T10:00:00+02:60", "2023-03-20T10:00:00Zjunk", "2023-03-20x", "2023-0320",
        "202303-20", "2023-03-20T1", "2023-03-20T10:00:00+", "2023-03-20\x80",
        "2023-03-20T10:00:00 CET", "2023-03-20T10:00:00 (UTC", "2023-03-20T10:00:00Z+02:00",
        "2023-03-20 10:00:00 GMT+", "2023-03-20T10:00:00  Z",
        /* words: text around the date, impossible days, malformed times */
        "Published March 20, 2023", "March 20, 2023 by Staff", "Feb 29, 2023", "April 31, 2023",
        "Mar 0, 2023", "March 2023", "20 2023", "Marc 20, 2023", "Mon, 20 Mar 23",
        "Mon, 20 Mar 20234", "20March 2023", "March20, 2023", "March 20,2023", "Funday, 20 Mar 2023",
        "March 20, 2023 10", "March 20, 2023 10:0", "March 20, 2023 25:00",
        "March 20, 2023 13:00 PM", "March 20, 2023 0:30 am", "March 20, 2023 10:00 p.m",
        "March 20, 2023 at", "March 20, 2023, ", "Mon Mar 20 2023 10:00:00 GMT+0000 (UTC",
    };
    for (size_t i = 0; i < NF_ARRAY_LEN(bad); i++) {
        int64_t t = 42;
        nf_rc rc = nf_parse_date(bad[i], strlen(bad[i]), &t);
        CHECK_MSG(rc == NF_EPARSE && t == 42, "'%s' accepted as %lld", bad[i], (long long)t);
    }
    /* the length bounds the parse: no read past n */
    int64_t t;
    CHECK_EQ_INT(nf_parse_date("2023-03-20T10:00:00Z", 10, &t), NF_OK);
    CHECK_EQ_INT(t, 1679270400);
    CHECK_EQ_INT(nf_parse_date(NULL, 0, &t), NF_EINVAL);
}

/* Every day of 1900..2100 at a varying time of day and offset agrees with timegm. */
static void test_date_sweep(void)
{
    int wrong = 0, days = 0;
    for (int y = 1900; y <= 2100; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 31; d++) {
                struct tm tm = {0};
                tm.tm_year = y - 1900;
                tm.tm_mon = m - 1;
                tm.tm_mday = d;
                tm.tm_hour = (d * 7) % 24;
                tm.tm_min = (m * 13) % 60;
                tm.tm_sec = (y + d) % 60;
                time_t want = timegm(&tm);
                bool real = tm.tm_mday == d;     /* timegm normalised 31 Apr etc. */
                int oh = (d % 27) - 13, om = (d % 2) * 30;
                char s[64];
                snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m, d,
                         (d * 7) % 24, (m * 13) % 60, (y + d) % 60, oh < 0 ? '-' : '+',
                         oh < 0 ? -oh : oh, om);
                int64_t got;
                nf_rc rc = nf_parse_date(s, strlen(s), &got);
                int64_t off = (oh < 0 ? -1 : 1) * ((int64_t)(oh < 0 ? -oh : oh) * 3600 + om * 60);
                if (real ? rc != NF_OK || got != (int64_t)want - off : rc != NF_EPARSE) {
                    if (wrong++ < 5)
                        fprintf(stderr, "sweep: %s rc %d got %lld\n", s, rc, (long long)got);
                }
                days += real;
            }
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(days, 73414);
}

static void test_url_host(void)
{
    static const struct { const char *url, *host; } ok[] = {
        {"https://www.nytimes.com/2018/04/17/world/x.html?hp&a=b", "nytimes.com"},
        {"http://WWW.Example.COM", "example.com"},
        {"https://user:pw@news.example.org:8443/path#frag", "news.example.org"},
        {"//cdn.example.net/x", "cdn.example.net"},
        {"example.com/path", "example.com"},
        {"example.com:8080/path", "example.com"},
        {"https://www.bbc.co.uk./news", "bbc.co.uk"},
        {"https://[2001:db8::1]:80/x", "[2001:db8::1]"},
        {"  https://www2.example.com/", "www2.example.com"},
        {"https://www.com/", "www.com"},                 /* nothing left after www. */
        {"svn+ssh://host.example/x", "host.example"},
        {"https://a.example?q=1", "a.example"},
    };
    for (size_t i = 0; i < NF_ARRAY_LEN(ok); i++) {
        char out[64] = "junk";
        nf_rc rc = nf_url_host(ok[i].url, strlen(ok[i].url), out, sizeof out);
        CHECK_MSG(rc == NF_OK && !strcmp(out, ok[i].host), "'%s': rc %d, '%s' != '%s'",
                  ok[i].url, rc, out, ok[i].host);
    }
    static const char *const bad[] = {"", "https://", "mailto:someone@example.com",
                                      "https:///path", "https://[::1/x", "urn:isbn:123"};
    for (size_t i = 0; i < NF_ARRAY_LEN(bad); i++) {
        char out[64];
        CHECK_MSG(nf_url_host(bad[i], strlen(bad[i]), out, sizeof out) == NF_EPARSE, "'%s'",
                  bad[i]);
    }
    char small[8];
    CHECK_EQ_INT(nf_url_host("https://www.longhostname.example/", 33, small, sizeof small), NF_OK);
    CHECK_EQ_STR(small, "longhos");
    const char *u = "https://www.example.com/x";
    char out[64];
    CHECK_EQ_INT(nf_url_host(u, 16, out, sizeof out), NF_OK);   /* "https://www.exam" */
    CHECK_EQ_STR(out, "www.exam");   /* no dotted domain after www. */
    CHECK_EQ_INT(nf_url_host(u, strlen(u), out, 0), NF_EINVAL);
}

int main(void)
{
    test_date_table();
    test_date_sweep();
    test_url_host();
    return nf_test_done("test_date");
}
