DROP TABLE idempotency_keys;
DROP TABLE channels;
DROP TABLE signing_keys;
DROP TABLE api_keys;
DROP TABLE tenants;
