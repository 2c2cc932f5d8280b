-- tlsrpt-lda records in PostgreSQL (13 or later; tested with 15).
-- Load it as the role that will load the data (so that it owns the
-- tables; contrib/postgresql/README has the whole set-up), e.g.
--
--     psql -h localhost -U tlsrpt -d tlsrpt -v ON_ERROR_STOP=1 -f schema.sql
--     psql -h localhost -U tlsrpt -d tlsrpt -v ON_ERROR_STOP=1 -v partitioned=1 -f schema.sql
--
-- The second form makes tlsrpt_record a table partitioned by month of the
-- report's day (tlsrpt-pg-load creates the partitions it needs), so that
-- retention is DROP TABLE of a month instead of a DELETE; see README.
-- Running the file again is harmless: it creates what is missing and
-- replaces the functions and views.
--
-- One row per line of the spool: one policy of one report.  The record is
-- kept whole in "record" (jsonb); the columns used for keys, filters and
-- sums are extracted next to it by tlsrpt_ingest().
--
-- Deduplication.  A report that arrived at several MX hosts (several rua
-- addresses, mail and HTTPS) is stored by each host's tlsrpt-lda, with a
-- different received_at, source, recipient, message_id, client_ip, dkim
-- and maybe warnings.  One row per policy of one report's content, as
-- tlsrpt-lda's duplicate index decides: organization_name + report_id
-- and the policy (policy-type, policy-domain), and policy_key, an MD5 of
-- the whole record without those delivery fields (so also of the session
-- counts and failure details).  A copy with the same organization and
-- report_id but other content (a forgery sent first under a real
-- reporter's predictable report-id, or a corrected resend) is therefore
-- a row of its own, never dropped as a duplicate of the first; its
-- records carry the warning "report_id conflict: ..." where one
-- tlsrpt-lda received both.  day (the UTC date of begin_date, the same
-- for every copy) is in the key because a partitioned table needs its
-- partition key in every unique constraint; for a report it adds
-- nothing.
--
-- Sums follow tlsrpt-summary: per policy domain (lower case) and policy
-- type, never across policy types (Microsoft reports the same sessions
-- under "sts" and "tlsa"); the one domain-level figure takes the largest
-- per reporter and day (tlsrpt_domain_daily).

\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?partitioned}
\else
\set partitioned 0
\endif

BEGIN;

CREATE TABLE IF NOT EXISTS tlsrpt_load_state (
	file        text PRIMARY KEY,          -- SOURCE:/absolute/path of a spool file
	file_id     text NOT NULL,             -- device:inode; another file restarts at 0
	pos         bigint NOT NULL,           -- bytes loaded: always the end of a line
	lines       bigint NOT NULL DEFAULT 0, -- lines read up to pos
	inserted    bigint NOT NULL DEFAULT 0, -- rows added from this file
	duplicates  bigint NOT NULL DEFAULT 0, -- lines already present (other hosts, reruns)
	rejected    bigint NOT NULL DEFAULT 0, -- lines that are not records
	updated_at  timestamptz NOT NULL DEFAULT now()
);

\if :partitioned
CREATE TABLE IF NOT EXISTS tlsrpt_record (
	day                      date        NOT NULL,
	organization_name        text        NOT NULL,
	report_id                text        NOT NULL,
	policy_domain            text        NOT NULL,
	policy_type              text        NOT NULL,
	policy_key               bytea       NOT NULL,
	begin_date               timestamptz NOT NULL,
	end_date                 timestamptz,
	policy_mode              text,
	successful_session_count bigint      NOT NULL,
	failed_session_count     bigint      NOT NULL,
	failure_details          integer     NOT NULL,
	received_at              timestamptz,
	loaded_at                timestamptz NOT NULL DEFAULT now(),
	loaded_from              text,
	record                   jsonb       NOT NULL,
	CONSTRAINT tlsrpt_record_key UNIQUE
		(organization_name, report_id, day, policy_domain, policy_type, policy_key)
) PARTITION BY RANGE (day);
-- days far from now (a hostile or broken reporter's dates) share one
-- partition instead of creating a table per month
CREATE TABLE IF NOT EXISTS tlsrpt_record_other PARTITION OF tlsrpt_record DEFAULT;
\else
CREATE TABLE IF NOT EXISTS tlsrpt_record (
	day                      date        NOT NULL,  -- UTC date of begin_date: the spool file's name
	organization_name        text        NOT NULL,
	report_id                text        NOT NULL,
	policy_domain            text        NOT NULL,  -- lower case (ASCII only), as tlsrpt-summary groups
	policy_type              text        NOT NULL,  -- sts, tlsa, no-policy-found, or as reported
	policy_key               bytea       NOT NULL,  -- tlsrpt_policy_key(record)
	begin_date               timestamptz NOT NULL,
	end_date                 timestamptz,
	policy_mode              text,                  -- enforce, testing, none from "mode:"; else NULL
	successful_session_count bigint      NOT NULL,
	failed_session_count     bigint      NOT NULL,
	failure_details          integer     NOT NULL,  -- number of failure_details entries
	received_at              timestamptz,           -- of the copy loaded first
	loaded_at                timestamptz NOT NULL DEFAULT now(),
	loaded_from              text,                  -- SOURCE:/path of the copy loaded first
	record                   jsonb       NOT NULL,  -- the spool line
	CONSTRAINT tlsrpt_record_key UNIQUE
		(organization_name, report_id, day, policy_domain, policy_type, policy_key)
);
\endif

-- per-domain/day queries (Grafana panels, tlsrpt_daily); the partial index
-- finds the few rows with failure details without reading the others
CREATE INDEX IF NOT EXISTS tlsrpt_record_domain_day
	ON tlsrpt_record (policy_domain, day, policy_type);
CREATE INDEX IF NOT EXISTS tlsrpt_record_day
	ON tlsrpt_record (day);
CREATE INDEX IF NOT EXISTS tlsrpt_record_failing
	ON tlsrpt_record (policy_domain, day) WHERE failure_details > 0;

-- The record's content: everything but what a delivery adds (jsonb's
-- text form is canonical: key order and spacing do not matter).
CREATE OR REPLACE FUNCTION tlsrpt_policy_key(r jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT decode(md5((r - ARRAY['received_at', 'source', 'message_id', 'submitter',
		'recipient', 'client_ip', 'dkim', 'warnings'])::text), 'hex')
$$;

-- Rows loaded while policy_key covered only policy_strings and
-- mx_host_patterns get the key of their content, so that a copy loaded
-- again is a duplicate of them.  The new key distinguishes at least what
-- the old one did, so no two rows can collide; once done, this finds
-- nothing to change.
UPDATE tlsrpt_record SET policy_key = tlsrpt_policy_key(record)
WHERE policy_key IS DISTINCT FROM tlsrpt_policy_key(record);

-- The spool line as jsonb if it is a record tlsrpt-lda writes, else NULL
-- (also for lines that are not JSON at all: the loader counts them).
CREATE OR REPLACE FUNCTION tlsrpt_record_of(line text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	j jsonb;
	b timestamptz;
BEGIN
	j := line::jsonb;
	IF jsonb_typeof(j) IS DISTINCT FROM 'object'
	   OR jsonb_typeof(j -> 'organization_name') IS DISTINCT FROM 'string'
	   OR jsonb_typeof(j -> 'report_id') IS DISTINCT FROM 'string'
	   OR jsonb_typeof(j -> 'policy_domain') IS DISTINCT FROM 'string'
	   OR jsonb_typeof(j -> 'policy_type') IS DISTINCT FROM 'string'
	   OR j ->> 'policy_type' = ''
	   OR jsonb_typeof(j -> 'successful_session_count') IS DISTINCT FROM 'number'
	   OR jsonb_typeof(j -> 'failed_session_count') IS DISTINCT FROM 'number'
	   OR (j ->> 'begin_date') !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$' THEN
		RETURN NULL;
	END IF;
	-- casts that fail (month 13, counts beyond bigint or with a fraction)
	-- raise and land below
	b := (j ->> 'begin_date')::timestamptz;
	IF (j ->> 'successful_session_count')::bigint < 0
	   OR (j ->> 'failed_session_count')::bigint < 0
	   OR (j ->> 'successful_session_count')::numeric <> (j ->> 'successful_session_count')::bigint
	   OR (j ->> 'failed_session_count')::numeric <> (j ->> 'failed_session_count')::bigint THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(j -> 'failure_details') IS DISTINCT FROM 'array' THEN
		j := j || '{"failure_details": []}';
	END IF;
	RETURN j;
EXCEPTION WHEN others THEN
	RETURN NULL;
END
$$;

-- A timestamp of the record, NULL when absent or not one.
CREATE OR REPLACE FUNCTION tlsrpt_ts(v text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
	RETURN v::timestamptz;
EXCEPTION WHEN others THEN
	RETURN NULL;
END
$$;

-- The value of the STS "mode:" line as tlsrpt-summary reads it: the first
-- string starting "mode" ":", and only enforce, testing or none.
CREATE OR REPLACE FUNCTION tlsrpt_mode(strings jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT substring(s FROM '^mode[ \t]*:[ \t]*(enforce|testing|none)[ \t\r]*$')
	FROM jsonb_array_elements(CASE WHEN jsonb_typeof(strings) = 'array' THEN strings END)
		WITH ORDINALITY AS t(e, i),
	     LATERAL (SELECT e #>> '{}' AS s) x
	WHERE jsonb_typeof(e) = 'string' AND s ~ '^mode[ \t]*:'
	ORDER BY i
	LIMIT 1
$$;

-- Make sure the months from..until have their partition, when the table
-- is partitioned (a no-op otherwise).  Months more than ten years back or
-- more than a month ahead stay in tlsrpt_record_other.  A month that
-- gets its partition later takes its rows out of tlsrpt_record_other.
CREATE OR REPLACE FUNCTION tlsrpt_add_partitions(from_day date, until_day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	m date;
	lo date := date_trunc('month', now() - interval '10 years');
	hi date := date_trunc('month', now() + interval '1 month');
	name text;
	made integer := 0;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_partitioned_table
	               WHERE partrelid = 'tlsrpt_record'::regclass) THEN
		RETURN 0;
	END IF;
	m := greatest(date_trunc('month', from_day)::date, lo);
	WHILE m <= least(until_day, hi) LOOP
		name := 'tlsrpt_record_' || to_char(m, 'YYYY_MM');
		IF to_regclass(name) IS NULL THEN
			-- one creator at a time, inserts wait; taking a table lock
			-- also makes the check below see a partition that another
			-- loader (another host) has just committed
			LOCK TABLE tlsrpt_record IN SHARE ROW EXCLUSIVE MODE;
		END IF;
		IF to_regclass(name) IS NULL THEN
			CREATE TEMP TABLE IF NOT EXISTS tlsrpt_moving (LIKE tlsrpt_record) ON COMMIT DROP;
			WITH moved AS (
				DELETE FROM tlsrpt_record_other
				WHERE day >= m AND day < (m + interval '1 month')::date
				RETURNING *)
			INSERT INTO tlsrpt_moving SELECT * FROM moved;
			EXECUTE format('CREATE TABLE %I PARTITION OF tlsrpt_record FOR VALUES FROM (%L) TO (%L)',
			               name, m, (m + interval '1 month')::date);
			INSERT INTO tlsrpt_record SELECT * FROM tlsrpt_moving;
			TRUNCATE tlsrpt_moving;
			made := made + 1;
		END IF;
		m := (m + interval '1 month')::date;
	END LOOP;
	RETURN made;
END
$$;

-- Insert the lines of the temporary table tlsrpt_stage (line text) that
-- are records and not yet stored.  Used by tlsrpt-pg-load in the same
-- transaction as the copy and the file's new position.
CREATE OR REPLACE FUNCTION tlsrpt_ingest(source text,
	OUT staged bigint, OUT inserted bigint, OUT duplicates bigint, OUT rejected bigint)
LANGUAGE plpgsql AS $$
DECLARE
	valid bigint;
	d0 date;
	d1 date;
BEGIN
	CREATE TEMP TABLE IF NOT EXISTS tlsrpt_valid (j jsonb) ON COMMIT DROP;
	TRUNCATE tlsrpt_valid;
	INSERT INTO tlsrpt_valid
		SELECT tlsrpt_record_of(line) FROM pg_temp.tlsrpt_stage;
	GET DIAGNOSTICS staged = ROW_COUNT;
	DELETE FROM tlsrpt_valid WHERE j IS NULL;
	GET DIAGNOSTICS rejected = ROW_COUNT;
	valid := staged - rejected;
	SELECT min(left(j ->> 'begin_date', 10)::date), max(left(j ->> 'begin_date', 10)::date)
		INTO d0, d1 FROM tlsrpt_valid;
	IF d0 IS NOT NULL THEN
		PERFORM tlsrpt_add_partitions(d0, d1);
	END IF;
	INSERT INTO tlsrpt_record (day, organization_name, report_id, policy_domain, policy_type,
		policy_key, begin_date, end_date, policy_mode, successful_session_count,
		failed_session_count, failure_details, received_at, loaded_from, record)
	SELECT left(j ->> 'begin_date', 10)::date,
	       j ->> 'organization_name',
	       j ->> 'report_id',
	       translate(j ->> 'policy_domain', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
	       j ->> 'policy_type',
	       tlsrpt_policy_key(j),
	       (j ->> 'begin_date')::timestamptz,
	       tlsrpt_ts(j ->> 'end_date'),
	       tlsrpt_mode(j -> 'policy_strings'),
	       (j ->> 'successful_session_count')::bigint,
	       (j ->> 'failed_session_count')::bigint,
	       jsonb_array_length(j -> 'failure_details'),
	       tlsrpt_ts(j ->> 'received_at'),
	       source,
	       j
	FROM tlsrpt_valid
	ON CONFLICT (organization_name, report_id, day, policy_domain, policy_type, policy_key)
	DO NOTHING;
	GET DIAGNOSTICS inserted = ROW_COUNT;
	duplicates := valid - inserted;
END
$$;

-- Views and functions for reading (Grafana's PostgreSQL data source: use
-- "time" as the time column, e.g. WHERE $__timeFilter(time), or pass
-- $__timeFrom()::date and $__timeTo()::date to the functions).

-- The rate as tlsrpt-summary prints it: percent, two decimals, half up.
CREATE OR REPLACE FUNCTION tlsrpt_rate(failed numeric, total numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN total > 0 THEN round(least(failed, total) * 100 / total, 2) ELSE 0 END
$$;

-- Per domain, policy type and day.
CREATE OR REPLACE VIEW tlsrpt_daily AS
SELECT day,
       day::timestamp AT TIME ZONE 'UTC' AS "time",
       policy_domain,
       policy_type,
       coalesce(bool_or(policy_mode = 'enforce'), false) AS enforce,
       count(*) AS reports,
       count(DISTINCT organization_name) AS organizations,
       sum(successful_session_count + failed_session_count) AS sessions,
       sum(successful_session_count) AS successful,
       sum(failed_session_count) AS failed,
       tlsrpt_rate(sum(failed_session_count), sum(successful_session_count + failed_session_count)) AS failure_rate
FROM tlsrpt_record
GROUP BY day, policy_domain, policy_type;

-- Per domain and day, all policy types: for each reporter the largest
-- figure among the types (they describe the same sessions), then summed
-- over reporters; "reports" counts reporters.  Unknown policy types
-- count as one type, as in tlsrpt-summary.
CREATE OR REPLACE VIEW tlsrpt_domain_daily AS
WITH per_type AS (
	SELECT day, policy_domain, organization_name,
	       CASE WHEN policy_type IN ('sts', 'tlsa', 'no-policy-found') THEN policy_type ELSE '' END AS slot,
	       sum(successful_session_count + failed_session_count) AS total,
	       sum(failed_session_count) AS failed
	FROM tlsrpt_record
	GROUP BY 1, 2, 3, 4),
per_reporter AS (
	SELECT day, policy_domain, organization_name, max(total) AS total, max(failed) AS failed
	FROM per_type
	GROUP BY 1, 2, 3)
SELECT day,
       day::timestamp AT TIME ZONE 'UTC' AS "time",
       policy_domain,
       count(*) AS reports,
       sum(total) AS sessions,
       sum(total - failed) AS successful,
       sum(failed) AS failed,
       tlsrpt_rate(sum(failed), sum(total)) AS failure_rate
FROM per_reporter
GROUP BY day, policy_domain;

-- One row per failure_details entry.
CREATE OR REPLACE VIEW tlsrpt_failure AS
SELECT r.day,
       r.day::timestamp AT TIME ZONE 'UTC' AS "time",
       r.policy_domain,
       r.policy_type,
       r.organization_name,
       r.report_id,
       coalesce(f ->> 'result_type', '(missing)') AS result_type,
       coalesce(CASE WHEN jsonb_typeof(f -> 'failed_session_count') = 'number'
                     THEN (f ->> 'failed_session_count')::numeric END, 0) AS sessions,
       f ->> 'sending_mta_ip' AS sending_mta_ip,
       f ->> 'receiving_ip' AS receiving_ip,
       f ->> 'receiving_mx_hostname' AS receiving_mx_hostname,
       f ->> 'receiving_mx_helo' AS receiving_mx_helo,
       f ->> 'additional_info_uri' AS additional_info_uri,
       f ->> 'failure_reason_code' AS failure_reason_code
FROM tlsrpt_record r
CROSS JOIN LATERAL jsonb_array_elements(r.record -> 'failure_details') AS f
WHERE r.failure_details > 0;

-- Failed sessions per result type, domain, policy type and day.
CREATE OR REPLACE VIEW tlsrpt_failures_daily AS
SELECT day, "time", policy_domain, policy_type, result_type,
       sum(sessions) AS sessions, count(*) AS entries
FROM tlsrpt_failure
GROUP BY day, "time", policy_domain, policy_type, result_type;

-- Failed sessions per sending MTA IP, domain, policy type and day.
CREATE OR REPLACE VIEW tlsrpt_sending_ips_daily AS
SELECT day, "time", policy_domain, policy_type,
       coalesce(sending_mta_ip, '(unknown)') AS sending_mta_ip,
       sum(sessions) AS sessions, count(DISTINCT organization_name) AS organizations
FROM tlsrpt_failure
GROUP BY 1, 2, 3, 4, 5;

-- Over a window of days (inclusive), as tlsrpt-summary --since --until:
-- per domain and policy type.
CREATE OR REPLACE FUNCTION tlsrpt_summary(since date, until date)
RETURNS TABLE (policy_domain text, policy_type text, sessions numeric, successful numeric,
               failed numeric, failure_rate numeric, reports bigint, organizations bigint)
LANGUAGE sql STABLE AS $$
	SELECT policy_domain, policy_type,
	       sum(successful_session_count + failed_session_count),
	       sum(successful_session_count), sum(failed_session_count),
	       tlsrpt_rate(sum(failed_session_count), sum(successful_session_count + failed_session_count)),
	       count(*), count(DISTINCT organization_name)
	FROM tlsrpt_record
	WHERE day BETWEEN since AND until
	GROUP BY 1, 2
	ORDER BY 1, 2
$$;

-- Failures by result type over a window, ranked as tlsrpt-summary ranks
-- them; share is of all failed sessions in the failure details.
CREATE OR REPLACE FUNCTION tlsrpt_failures(since date, until date)
RETURNS TABLE (policy_domain text, policy_type text, result_type text, sessions numeric,
               share numeric, first_seen date, rank bigint)
LANGUAGE sql STABLE AS $$
	SELECT policy_domain, policy_type, result_type, s,
	       tlsrpt_rate(s, sum(s) OVER w), first_seen,
	       row_number() OVER (w ORDER BY s DESC, entries DESC, result_type COLLATE "C")
	FROM (SELECT policy_domain, policy_type, result_type, sum(sessions) AS s,
	             count(*) AS entries, min(day) AS first_seen
	      FROM tlsrpt_failure
	      WHERE day BETWEEN since AND until
	      GROUP BY 1, 2, 3) t
	WINDOW w AS (PARTITION BY policy_domain, policy_type)
	ORDER BY 1, 2, 7
$$;

-- The top sending MTA IPs behind failed sessions over a window (days:
-- on how many days the IP had failures), ranked as tlsrpt-summary does.
CREATE OR REPLACE FUNCTION tlsrpt_top_sending_ips(since date, until date, n integer DEFAULT 5)
RETURNS TABLE (policy_domain text, policy_type text, sending_mta_ip text, sessions numeric,
               days bigint, rank bigint)
LANGUAGE sql STABLE AS $$
	SELECT * FROM (
		SELECT policy_domain, policy_type, ip, s, days,
		       row_number() OVER (PARTITION BY policy_domain, policy_type
		                          ORDER BY s DESC, days DESC, ip COLLATE "C") AS rank
		FROM (SELECT policy_domain, policy_type, coalesce(sending_mta_ip, '(unknown)') AS ip,
		             sum(sessions) AS s,
		             count(DISTINCT day) FILTER (WHERE sessions > 0) AS days
		      FROM tlsrpt_failure
		      WHERE day BETWEEN since AND until
		      GROUP BY 1, 2, 3) t
		WHERE s > 0) r
	WHERE rank <= n
	ORDER BY 1, 2, 6
$$;

COMMIT;
