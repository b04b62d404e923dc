DROP TABLE mentoring_requests;
DROP TABLE mentor_profiles;
