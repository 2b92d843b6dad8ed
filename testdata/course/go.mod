// A small course whose labs show each way a lab run can end; perflab's own
// tests run against it.
module example.com/fixturecourse

go 1.26.0
