// Package schemareg connects sluice to a Confluent Schema Registry: the
// top-level "schema_registry:" section of the configuration (Config) and
// the client built from it (New), a franz-go sr.Client that every topic's
// parser shares (parse.Settings.Registry).
//
//	schema_registry:
//	  url: [https://sr-1.example.com:8081, https://sr-2.example.com:8081]
//	  basic_auth: {username: sluice, password: "${SR_PASSWORD}"}
//	  tls: {ca_file: /etc/sluice/sr-ca.pem}
//	  timeout: 10s
//
// The client retries a lookup that fails for want of an answer (a refused
// or broken connection, a 5xx status, 429) a few times with a growing
// pause, within Timeout, and then returns the error; the next URL, when
// there are several, is tried after the first fails to connect (franz-go's
// behaviour). A 4xx answer other than 429 is returned at once: NotFound
// tells the one a parser rejects a record for (an unknown schema id) from
// those that say the registry cannot be used (401, 403).
//
// TLS is loaded by the same code as kafka.tls (kafka.TLSConfig.Build); an
// https URL turns it on, and the tls section only adjusts it.
package schemareg
