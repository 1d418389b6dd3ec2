-- 0003: tickets that can be sold (docs/payments.md, Tickets). 0001's stream_tickets only knew
-- "paid"; a ticket now has a status, how it was obtained, the price its fan pays (fixed when the
-- purchase's PaymentIntent is created) with the platform fee, and that PaymentIntent. Still one
-- row per (stream, fan). Rebuilt rather than altered: SQLite cannot add CHECK-ed NOT NULL columns
-- or constraints to a table in place. Rows of 0001 (written by nothing but tests) become grants.

CREATE TABLE stream_tickets_v3 (
  id                  TEXT PRIMARY KEY,
  stream_id           TEXT    NOT NULL REFERENCES live_streams (id),
  fan_id              TEXT    NOT NULL,
  status              TEXT    NOT NULL
                        CHECK (status IN ('PENDING', 'PAID', 'FAILED', 'REFUNDED', 'DISPUTED',
                                          'REVOKED')),
  source              TEXT    NOT NULL CHECK (source IN ('PURCHASE', 'GRANT', 'COMP')),
  amount_cents        BIGINT  NOT NULL DEFAULT 0 CHECK (amount_cents >= 0),
  currency            TEXT    NOT NULL CHECK (length(currency) = 3),
  fee_cents           BIGINT  NOT NULL DEFAULT 0
                        CHECK (fee_cents >= 0 AND fee_cents <= amount_cents),
  provider            TEXT,
  provider_payment_id TEXT,
  attempt             INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  granted_by          TEXT,
  created_at          BIGINT  NOT NULL,
  updated_at          BIGINT  NOT NULL,
  UNIQUE (stream_id, fan_id),
  UNIQUE (provider, provider_payment_id)
);

INSERT INTO stream_tickets_v3 (id, stream_id, fan_id, status, source, currency, granted_by,
                               created_at, updated_at)
SELECT t.stream_id || ':' || t.fan_id, t.stream_id, t.fan_id,
       CASE WHEN t.paid = TRUE THEN 'PAID' ELSE 'REVOKED' END, 'GRANT', s.currency, 'migration',
       t.created_at, t.updated_at
FROM stream_tickets t JOIN live_streams s ON s.id = t.stream_id;

DROP TABLE stream_tickets;
ALTER TABLE stream_tickets_v3 RENAME TO stream_tickets;
CREATE INDEX stream_tickets_stream ON stream_tickets (stream_id, status);
