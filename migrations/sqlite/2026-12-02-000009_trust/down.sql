DROP INDEX reports_reporter;
DROP TABLE domain_allows;
DROP TABLE domain_blocks;
ALTER TABLE deliveries DROP COLUMN last_status;
DROP TABLE post_removals;
