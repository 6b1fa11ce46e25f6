-- One database per service: no service reads another's tables.
CREATE DATABASE members OWNER coop;
CREATE DATABASE contracts OWNER coop;
CREATE DATABASE marketplace OWNER coop;
CREATE DATABASE brokering OWNER coop;
