DROP INDEX sscc_pool_available;
DROP TABLE sscc_pool;
DROP TABLE sscc_counters;
