DROP TABLE career_offers;
