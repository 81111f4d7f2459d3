// The Go client check. The generated client is not committed: test/clients/run.ts writes it to
// .tmp/clients/go, which the replace below points at.
module ajc.local/clientcheck

go 1.23

require ajc.local/clients/asyncjobs v0.0.0

require gopkg.in/validator.v2 v2.0.1 // indirect

replace ajc.local/clients/asyncjobs => ../../../.tmp/clients/go
