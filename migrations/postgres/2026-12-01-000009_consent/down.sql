DROP TABLE client_requests;
