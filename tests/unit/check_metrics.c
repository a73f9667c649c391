/*
 * check_metrics.c: counters add up across threads, and render as the
 * Prometheus text format says.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imaged/metrics.h"

Suite	*metrics_suite(void);

static const struct route table[] = {
	{ .method = HTTP_GET, .pattern = "/images/{image_id}" },
	{ .method = HTTP_POST, .pattern = "/images" },
};

static char *
render(const struct metrics *m)
{
	struct buf	 b;

	buf_init(&b, 1 << 20);
	ck_assert_int_eq(metrics_render(m, &b), IMG_OK);
	return buf_steal(&b, NULL);
}

/* The line beginning with prefix, or NULL. */
static const char *
line_of(const char *text, const char *prefix)
{
	const char	*p = text;
	size_t		 n = strlen(prefix);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, n) == 0)
			return p;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return NULL;
}

static void
assert_line(const char *text, const char *line)
{
	const char	*p = line_of(text, line);

	ck_assert_msg(p != NULL && (p[strlen(line)] == '\n'),
	    "no line \"%s\" in:\n%s", line, text);
}

START_TEST(test_counts_render)
{
	struct metrics	*m;
	char		*text;

	ck_assert_int_eq(metrics_new(table, 2, &m), IMG_OK);
	metrics_request(m, 0, 200, 0, 700, 300);
	metrics_request(m, 0, 200, 0, 700, 3000);
	metrics_request(m, 0, 404, 0, 50, 100);
	metrics_request(m, 1, 201, 5000, 800, 20000);
	metrics_request(m, 2, 405, 0, 60, 50);
	/* past the table: other */
	metrics_request(m, 99, 418, 0, 0, 20000000);
	metrics_signed(m, METRICS_SIGNED_OK);
	metrics_signed(m, METRICS_SIGNED_EXPIRED);
	metrics_signed(m, METRICS_SIGNED_EXPIRED);
	metrics_gauge_add(m, METRICS_UPLOADS_IN_FLIGHT, 1);
	metrics_gauge_add(m, METRICS_CONNECTIONS_OPEN, 3);
	metrics_gauge_add(m, METRICS_CONNECTIONS_OPEN, -1);
	text = render(m);
	assert_line(text, "imaged_http_requests_total{method=\"GET\","
	    "route=\"/images/{image_id}\",status=\"200\"} 2");
	assert_line(text, "imaged_http_requests_total{method=\"GET\","
	    "route=\"/images/{image_id}\",status=\"404\"} 1");
	assert_line(text, "imaged_http_requests_total{method=\"POST\","
	    "route=\"/images\",status=\"201\"} 1");
	assert_line(text, "imaged_http_requests_total{method=\"other\","
	    "route=\"other\",status=\"405\"} 1");
	assert_line(text, "imaged_http_requests_total{method=\"other\","
	    "route=\"other\",status=\"other\"} 1");
	/*
	 * Buckets are cumulative: 100us and 300us under 0.5ms, 3ms
	 * under 5ms.
	 */
	assert_line(text, "imaged_http_request_duration_seconds_bucket{method="
	    "\"GET\",route=\"/images/{image_id}\",le=\"0.0005\"} 2");
	assert_line(text, "imaged_http_request_duration_seconds_bucket{method="
	    "\"GET\",route=\"/images/{image_id}\",le=\"0.0025\"} 2");
	assert_line(text, "imaged_http_request_duration_seconds_bucket{method="
	    "\"GET\",route=\"/images/{image_id}\",le=\"0.005\"} 3");
	assert_line(text, "imaged_http_request_duration_seconds_bucket{method="
	    "\"GET\",route=\"/images/{image_id}\",le=\"+Inf\"} 3");
	assert_line(text, "imaged_http_request_duration_seconds_sum{method="
	    "\"GET\",route=\"/images/{image_id}\"} 0.003400");
	assert_line(text, "imaged_http_request_duration_seconds_count{method="
	    "\"GET\",route=\"/images/{image_id}\"} 3");
	assert_line(text, "imaged_http_request_duration_seconds_bucket{method="
	    "\"other\",route=\"other\",le=\"10\"} 1");
	assert_line(text, "imaged_http_request_duration_seconds_bucket{method="
	    "\"other\",route=\"other\",le=\"+Inf\"} 2");
	assert_line(text, "imaged_http_request_body_bytes_total 5000");
	assert_line(text, "imaged_http_response_body_bytes_total 2310");
	assert_line(text, "imaged_uploads_in_flight 1");
	assert_line(text, "imaged_connections_open 2");
	assert_line(text, "imaged_signed_url_checks_total{result=\"ok\"} 1");
	assert_line(text,
	    "imaged_signed_url_checks_total{result=\"expired\"} 2");
	assert_line(text,
	    "imaged_signed_url_checks_total{result=\"forbidden\"} 0");
	ck_assert_ptr_nonnull(line_of(text, "process_cpu_seconds_total "));
	ck_assert_ptr_nonnull(line_of(text, "process_resident_memory_bytes "));
	ck_assert_ptr_nonnull(line_of(text, "process_open_fds "));
	ck_assert_ptr_nonnull(line_of(text, "process_start_time_seconds "));
	ck_assert_ptr_nonnull(line_of(text,
	    "# TYPE imaged_http_request_duration_seconds histogram"));
	free(text);
	metrics_free(m);
}
END_TEST

struct hammer {
	struct metrics	*m;
	int		 n;
};

static void *
hammer(void *arg)
{
	struct hammer	*h = arg;
	int		 i;

	for (i = 0; i < h->n; i++) {
		metrics_request(h->m, 0, 200, 1, 2, 10);
		metrics_gauge_add(h->m, METRICS_CONNECTIONS_OPEN, 1);
		metrics_gauge_add(h->m, METRICS_CONNECTIONS_OPEN, -1);
	}
	return NULL;
}

/* No count is lost to a race, wherever the threads run. */
START_TEST(test_threads_add_up)
{
	struct metrics	*m;
	struct hammer	 h;
	pthread_t	 t[8];
	char		*text;
	size_t		 i;

	ck_assert_int_eq(metrics_new(table, 2, &m), IMG_OK);
	h.m = m;
	h.n = 20000;
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, &h), 0);
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	text = render(m);
	assert_line(text, "imaged_http_requests_total{method=\"GET\","
	    "route=\"/images/{image_id}\",status=\"200\"} 160000");
	assert_line(text, "imaged_http_request_body_bytes_total 160000");
	assert_line(text, "imaged_connections_open 0");
	free(text);
	metrics_free(m);
}
END_TEST

START_TEST(test_off_is_null)
{
	struct buf	 b;

	/* Metrics off: every call is a no-op, rendering adds nothing. */
	metrics_request(NULL, 0, 200, 1, 1, 1);
	metrics_signed(NULL, METRICS_SIGNED_OK);
	metrics_gauge_add(NULL, METRICS_CONNECTIONS_OPEN, 1);
	metrics_free(NULL);
	buf_init(&b, 1024);
	ck_assert_int_eq(metrics_render(NULL, &b), IMG_OK);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("metrics");

	tcase_add_test(tc, test_counts_render);
	tcase_add_test(tc, test_threads_add_up);
	tcase_add_test(tc, test_off_is_null);
	suite_add_tcase(s, tc);
	return s;
}
