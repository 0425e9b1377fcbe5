using Uploads.Testing;

// Every answer of every app a test starts is checked against docs/openapi.json: a breach fails the test it happened in.
[assembly: CheckOpenApiContract]
