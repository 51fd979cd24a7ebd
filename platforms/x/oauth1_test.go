package x

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSignature(t *testing.T) {
	tests := []struct {
		name                        string
		method, uri                 string
		params                      url.Values
		consumerSecret, tokenSecret string
		wantBase                    string // "" skips the base string check
		want                        string
	}{
		{
			// OAuth Core 1.0 Appendix A.5, the photos example that RFC 5849
			// implementations are tested against.
			name: "rfc 5849 photos example", method: "GET", uri: "http://photos.example.net/photos",
			params: url.Values{"file": {"vacation.jpg"}, "size": {"original"}, "oauth_consumer_key": {"dpf43f3p2l4k3l03"},
				"oauth_token": {"nnch734d00sl2jdk"}, "oauth_nonce": {"kllo9940pd9333jh"}, "oauth_timestamp": {"1191242096"},
				"oauth_signature_method": {"HMAC-SHA1"}, "oauth_version": {"1.0"}},
			consumerSecret: "kd94hf93k423kf44", tokenSecret: "pfkkdhi9sl3r4s00",
			wantBase: "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal",
			want:     "tR3+Ty81lMeYAr/Fid0kMTYa/WM=",
		},
		{
			// X's "Creating a signature" example. X's page prints
			// tnnArxj06cWHq44gCs1OSKk/jLY=, which its own base string and key
			// do not produce; every conforming implementation gets this.
			name: "x documented example", method: "POST", uri: "https://api.twitter.com/1.1/statuses/update.json",
			params: url.Values{"include_entities": {"true"}, "status": {"Hello Ladies + Gentlemen, a signed OAuth request!"},
				"oauth_consumer_key": {"xvz1evFS4wEEPTGEFPHBog"}, "oauth_nonce": {"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"},
				"oauth_signature_method": {"HMAC-SHA1"}, "oauth_timestamp": {"1318622958"},
				"oauth_token": {"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"}, "oauth_version": {"1.0"}},
			consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", tokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
			wantBase: "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521",
			want:     "hCtSmYh+iHYCEqBWrE7C7hYmtUk=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := baseString(tt.method, tt.uri, tt.params); got != tt.wantBase {
				t.Errorf("base string:\n got %s\nwant %s", got, tt.wantBase)
			}
			if got := signature(tt.method, tt.uri, tt.params, tt.consumerSecret, tt.tokenSecret); got != tt.want {
				t.Errorf("signature = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	o := OAuth1{ConsumerKey: "xvz1evFS4wEEPTGEFPHBog", ConsumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
		Token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", TokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"}
	h, err := o.Header("POST", "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
		url.Values{"status": {"Hello Ladies + Gentlemen, a signed OAuth request!"}},
		"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", time.Unix(1318622958, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := `OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", ` +
		`oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1318622958", ` +
		`oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", oauth_version="1.0"`
	if h != want {
		t.Errorf("header:\n got %s\nwant %s", h, want)
	}
	parsed, ok := parseOAuthHeader(h)
	if !ok {
		t.Fatal("parseOAuthHeader refused the header it was given")
	}
	if diff := cmp.Diff("hCtSmYh+iHYCEqBWrE7C7hYmtUk=", parsed.Get("oauth_signature")); diff != "" {
		t.Errorf("parsed signature (-want +got):\n%s", diff)
	}
	if strings.Contains(h, o.ConsumerSecret) || strings.Contains(h, o.TokenSecret) {
		t.Error("the header carries a secret")
	}
}

func TestPercentEncode(t *testing.T) {
	tests := map[string]string{
		"abcABC123-._~":      "abcABC123-._~",
		"Ladies + Gentlemen": "Ladies%20%2B%20Gentlemen",
		"a=b&c":              "a%3Db%26c",
		"café ☃":             "caf%C3%A9%20%E2%98%83",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := percentEncode(in); got != want {
				t.Errorf("percentEncode(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
