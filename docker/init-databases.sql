-- Run once by the postgres image when its data volume is empty: one database per instance.
CREATE DATABASE tsunagu_uni;
CREATE DATABASE tsunagu_corp;
