module example.com/badcourse

go 1.26.0
