-- Surveys staff run. The questions are kept as JSON with the survey (they never change once
-- answers come in); each response keeps its answers as JSON.
CREATE TABLE surveys (
    id BIGSERIAL PRIMARY KEY,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    questions_json TEXT NOT NULL,
    anonymous BOOLEAN NOT NULL DEFAULT FALSE,
    results_public BOOLEAN NOT NULL DEFAULT FALSE,
    closes_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- One response per member and survey; in an anonymous survey the response does not name them.
CREATE TABLE survey_responses (
    id BIGSERIAL PRIMARY KEY,
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    answers_json TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL
);
CREATE INDEX survey_responses_survey ON survey_responses (survey_id, id);

-- Who answered (kept apart from the responses, so anonymous ones stay anonymous).
CREATE TABLE survey_respondents (
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (survey_id, user_id)
);
