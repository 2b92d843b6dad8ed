package heapprofile

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPrepare(t *testing.T) {
	got, err := Prepare(Comment{Author: "ann", Body: `<P>Thanks @bob, and @eve_2!</P><script>x()</script> see <B>@bob</B>`})
	if err != nil {
		t.Fatal(err)
	}
	want := Stored{Author: "ann", Body: "<p>Thanks @bob, and @eve_2!</p>x() see <b>@bob</b>", Words: 7, Mentions: []string{"bob", "eve_2"}}
	if got.Body != want.Body || got.Words != want.Words || !slices.Equal(got.Mentions, want.Mentions) {
		t.Errorf("Prepare = %+v\nwant      %+v", got, want)
	}
	if _, err := Prepare(Comment{Author: "ann", Body: strings.Repeat("a", MaxCommentBytes+1)}); !errors.Is(err, ErrTooLong) {
		t.Errorf("Prepare of a comment over MaxCommentBytes: err = %v, want ErrTooLong", err)
	}
	if _, err := Prepare(Comment{Author: "ann", Body: "\xff"}); err == nil {
		t.Error("Prepare of a body that is not UTF-8: no error")
	}
}
