package bench

import "testing"

func TestHugoPages(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    int
		wantErr bool
	}{
		{
			name: "hugo 0.111 summary",
			out: `Start building sites … 
hugo v0.111.3+extended linux/amd64 BuildDate=2023-03-16T08:41:31Z VendorInfo=debian:0.111.3-1

                   |  EN   
-------------------+-------
  Pages            | 10003  
  Paginator pages  |    0  
  Non-page files   |    4  
  Static files     |    0  

Total in 2322 ms
`,
			want: 10003,
		},
		{
			name: "two languages",
			out: `                   | EN | FR  
-------------------+----+-----
  Pages            | 12 | 10  
  Paginator pages  |  0 |  0  
`,
			want: 22,
		},
		{name: "no summary", out: "Error: no config file\n", wantErr: true},
		{name: "garbled count", out: "  Pages | many\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := hugoPages(tt.out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("hugoPages error = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("hugoPages = %d, want %d", got, tt.want)
			}
		})
	}
}
