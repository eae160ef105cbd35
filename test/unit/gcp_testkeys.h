/* gcp_testkeys.h: THROWAWAY TEST-ONLY RSA/EC KEYS for the unit tests of proxy/tls/gcp_key.c
 * and proxy/tls/jwt.c.
 *
 * Generated once with `openssl genpkey` for these tests; they belong to no account, grant
 * nothing anywhere, and must never be used for anything but these tests.
 */
#ifndef AIRLOCK_TEST_GCP_TESTKEYS_H
#define AIRLOCK_TEST_GCP_TESTKEYS_H

#include <stdio.h>
#include <string.h>

#include "proxy/proto/json.h"

/* TEST-ONLY 2048-bit RSA key, PKCS#8 ("PRIVATE KEY"). */
static const char test_rsa2048_pkcs8[] __attribute__((unused)) =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQDb0vHD01oAsSK+\n"
	"82sF+EYzklR8sfGwiNAhefAVcV1CMy8DtDEPJN9SrTZP8m5VZxTOeEc21vyCKT8C\n"
	"kFhgC5+WZ6WHUythv/cTN7mHMua3b8b3HxEZCogIMNHTxF8q1tN5s8lbnqizr8Fs\n"
	"HEzlf7YDlSS+MUi6UAdWdkNF4SJkljlqMCmu+raPAau7azuVRvMUY2PvlhvyQKRI\n"
	"8UaC8i5SypHSGr/HNYJ5ILCqka1ZbEcEtC0zoV/X3mx/Bvl499/nBw1a9ZA0euDO\n"
	"RPv50DJxnPeQ9j3bW3oxjjqLMxatz+PiOTbeY8ni7tnEITam/YoQH0xYkoTdQuRH\n"
	"AFz4fWSFAgMBAAECggEAHFnyBYwqRQGTliYl7QCu6TLbw7NdlSOoGFE2RkW3PfUF\n"
	"AMjKNQZP6UVexmPhmBEx7Uk1Ah0rNwxjzIxaYZTOMeNPRYtUAoj0MF3VB1tox0ra\n"
	"0f+HQIALuGa3gUUH8yn+32jxNOhbIMWvwCZMQqM8key37vHDTAhLUfrxxT76pRc/\n"
	"oS3YhszVZrBkDGf9rFhYaVGDUuPg7i+oIJXjRxp3TCXBA2U8MLq3vr0+kKygQzTl\n"
	"c61vCDWB3pC0TXc5+nc3PSvooDEimfjzphNMXVOy0sHNzG1olSMuohh59bCmyHOo\n"
	"7/O/uZl27MIo6VquiF3z6z2QWE6lIbAatBY41dQeAQKBgQD9LNwaOdnNNejXXkit\n"
	"QYmtI6bgFdiiXTQi5UCfGyURDcjchjYeRXSOVVy1F9FgeLE43UImAjd09FM9qzd7\n"
	"+uezKHr019zHN/9gtOxut90IIb8jcel0xSBOdJ7rbm/o8IDyUGsEcoCIqLvEnYTb\n"
	"PtNoukjMPQvK+CCeEnPhUljRhQKBgQDeRtL0zPb9BMjZjIxFHQ5Iaz/KDvp2iVM/\n"
	"AiKwMF5rMb4ePGySLskaA8hs+Eg+tWplf8+X1sOMmoEtVpLERGA7ZDZMkn1jqH7I\n"
	"aHy3VmRAg3yXQLUiia1A3q+ssZ6Aho0oAcFddrWkWX+cyk8B+7zoMXa+7SwnsKt6\n"
	"KBplBe03AQKBgQC1oIEmr2n5Njuchh9NbD8A3xrQl9uaX5MPlbgObMLiwSjgS8h3\n"
	"XwyHL+YaZMPoma1KRjE2Y1C1rrIpA7QCVbXzaY8MJ/BTW3DyR9l2dKE1PECLhSUe\n"
	"iGzs2+1GqSvPyPo43EhqIFrlr2dFXlv5jdDMyReArirPqcJ8pHBNrW3aoQKBgQCG\n"
	"XMmosT2cNQg0eYFRRf8cR7iHrAY7IUfxDplpZ9OreKY0INKAi0eFMkQ1muARCBkI\n"
	"wfn7DxemJr9vaKXPfoWtYSZxoxuo4nHBM2gwa0iutszZoYPdHNxeGj6XZccqaitp\n"
	"w6XfmaKzdmZtoN2hlUrcEQp232eRlnoRnaxW5P5AAQKBgQCVVgesUP+F8hTiKxKS\n"
	"Sk2g1CM56Tex4/T7QO0q40zJ8s3Ii1+BytrO9RpJ0whtP+ieeyOPuY5HPtC59ZOY\n"
	"9JepCmbalefcDCFuLNAVFA/hkpm0TP/5pv0yFluxxpWVrKUjw5SF6SCbkhZjvuzk\n"
	"N6vLntsXPLoMWsxD8VWxjrt/GQ==\n"
	"-----END PRIVATE KEY-----\n";

/* The same TEST-ONLY key, PKCS#1 ("RSA PRIVATE KEY"). */
static const char test_rsa2048_pkcs1[] __attribute__((unused)) =
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIIEpQIBAAKCAQEA29Lxw9NaALEivvNrBfhGM5JUfLHxsIjQIXnwFXFdQjMvA7Qx\n"
	"DyTfUq02T/JuVWcUznhHNtb8gik/ApBYYAuflmelh1MrYb/3Eze5hzLmt2/G9x8R\n"
	"GQqICDDR08RfKtbTebPJW56os6/BbBxM5X+2A5UkvjFIulAHVnZDReEiZJY5ajAp\n"
	"rvq2jwGru2s7lUbzFGNj75Yb8kCkSPFGgvIuUsqR0hq/xzWCeSCwqpGtWWxHBLQt\n"
	"M6Ff195sfwb5ePff5wcNWvWQNHrgzkT7+dAycZz3kPY921t6MY46izMWrc/j4jk2\n"
	"3mPJ4u7ZxCE2pv2KEB9MWJKE3ULkRwBc+H1khQIDAQABAoIBABxZ8gWMKkUBk5Ym\n"
	"Je0Aruky28OzXZUjqBhRNkZFtz31BQDIyjUGT+lFXsZj4ZgRMe1JNQIdKzcMY8yM\n"
	"WmGUzjHjT0WLVAKI9DBd1QdbaMdK2tH/h0CAC7hmt4FFB/Mp/t9o8TToWyDFr8Am\n"
	"TEKjPJHst+7xw0wIS1H68cU++qUXP6Et2IbM1WawZAxn/axYWGlRg1Lj4O4vqCCV\n"
	"40cad0wlwQNlPDC6t769PpCsoEM05XOtbwg1gd6QtE13Ofp3Nz0r6KAxIpn486YT\n"
	"TF1TstLBzcxtaJUjLqIYefWwpshzqO/zv7mZduzCKOlarohd8+s9kFhOpSGwGrQW\n"
	"ONXUHgECgYEA/SzcGjnZzTXo115IrUGJrSOm4BXYol00IuVAnxslEQ3I3IY2HkV0\n"
	"jlVctRfRYHixON1CJgI3dPRTPas3e/rnsyh69Nfcxzf/YLTsbrfdCCG/I3HpdMUg\n"
	"TnSe625v6PCA8lBrBHKAiKi7xJ2E2z7TaLpIzD0LyvggnhJz4VJY0YUCgYEA3kbS\n"
	"9Mz2/QTI2YyMRR0OSGs/yg76dolTPwIisDBeazG+Hjxski7JGgPIbPhIPrVqZX/P\n"
	"l9bDjJqBLVaSxERgO2Q2TJJ9Y6h+yGh8t1ZkQIN8l0C1IomtQN6vrLGegIaNKAHB\n"
	"XXa1pFl/nMpPAfu86DF2vu0sJ7CreigaZQXtNwECgYEAtaCBJq9p+TY7nIYfTWw/\n"
	"AN8a0Jfbml+TD5W4DmzC4sEo4EvId18Mhy/mGmTD6JmtSkYxNmNQta6yKQO0AlW1\n"
	"82mPDCfwU1tw8kfZdnShNTxAi4UlHohs7NvtRqkrz8j6ONxIaiBa5a9nRV5b+Y3Q\n"
	"zMkXgK4qz6nCfKRwTa1t2qECgYEAhlzJqLE9nDUINHmBUUX/HEe4h6wGOyFH8Q6Z\n"
	"aWfTq3imNCDSgItHhTJENZrgEQgZCMH5+w8Xpia/b2ilz36FrWEmcaMbqOJxwTNo\n"
	"MGtIrrbM2aGD3RzcXho+l2XHKmoracOl35mis3ZmbaDdoZVK3BEKdt9nkZZ6EZ2s\n"
	"VuT+QAECgYEAlVYHrFD/hfIU4isSkkpNoNQjOek3seP0+0DtKuNMyfLNyItfgcra\n"
	"zvUaSdMIbT/onnsjj7mORz7QufWTmPSXqQpm2pXn3AwhbizQFRQP4ZKZtEz/+ab9\n"
	"MhZbscaVlaylI8OUhekgm5IWY77s5Dery57bFzy6DFrMQ/FVsY67fxk=\n"
	"-----END RSA PRIVATE KEY-----\n";

/* Its modulus, as `openssl rsa -noout -modulus` prints it; e = 65537. */
static const char test_rsa2048_modulus_hex[] __attribute__((unused)) =
	"DBD2F1C3D35A00B122BEF36B05F8463392547CB1F1B088D02179F015715D4233"
	"2F03B4310F24DF52AD364FF26E556714CE784736D6FC82293F029058600B9F96"
	"67A587532B61BFF71337B98732E6B76FC6F71F11190A880830D1D3C45F2AD6D3"
	"79B3C95B9EA8B3AFC16C1C4CE57FB6039524BE3148BA500756764345E1226496"
	"396A3029AEFAB68F01ABBB6B3B9546F3146363EF961BF240A448F14682F22E52"
	"CA91D21ABFC735827920B0AA91AD596C4704B42D33A15FD7DE6C7F06F978F7DF"
	"E7070D5AF590347AE0CE44FBF9D032719CF790F63DDB5B7A318E3A8B3316ADCF"
	"E3E23936DE63C9E2EED9C42136A6FD8A101F4C589284DD42E447005CF87D6485";

/* TEST-ONLY 4096-bit RSA key (the largest accepted). */
static const char test_rsa4096[] __attribute__((unused)) =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIJQgIBADANBgkqhkiG9w0BAQEFAASCCSwwggkoAgEAAoICAQC+V4uVVaaDIb72\n"
	"lrwI0w4+WjXWDmsierEUl8wM3akmhDqw+2tABzLQpqnSwwI2ma/1GDsBFip1a0ys\n"
	"4yhhabX+F0th3wbg/7YI2CTWPJ8GEOXfJyiNngH6QugAaSk82lX871KyXASySsCb\n"
	"Bs8WEsfNLZ+Bl6iLhbGtxQ5rYhc04eGIIjn4Ygnj3cNzudXtm6RB3uHJFV3D6/4m\n"
	"6MVTf0BEiIeOL6z5OdUeUloJls9sgpQ+goq1mvVoYrptWh6s42Fp3lWTY060leY8\n"
	"m26nhwSHkt3bjRdbW4O0DvGwamXSvMapuBBFnUDZhVhQXal25z9UMOXJp4hd+/6W\n"
	"orddZoDN12A7ZVQ5/UPPrr5iLv6VUvU8YaDaqaTKa2WIP/fbnzUQlUJpu1AgD3uV\n"
	"kHfkEWue+he2zM5ubmrsdPPBTVn0YTfytAN5vN/MQzc9THCN1vFdMxiu9LNczGtw\n"
	"owr4yREe0yMc/EYw3k24wu1/1hMIS5hUleaUxx4gqP6TE/zKX4y95L8tA4Tepawm\n"
	"V9nuw9A+T9BxmbdQF64jWOCkA3qQ+Re63oGSBPkka1E4ZwQU3HpeCh5uTz5arcG7\n"
	"J+e/wZAZ9XfI43BYXjf8eCbrjDaKs+3+Kg61n+jJleHs7fbQ0cUFW5AFSdAP9Pug\n"
	"3LHNIshFFyH605H5r4JzHxeDHVkHiQIDAQABAoICABa1DjiEqSqV6yiTCy/g0N9Q\n"
	"pwFIQ1Dv0uIOaWgEBh7Lkc5lEhKHgVEJvvL/M2uE2mxahYh/xtUu9aze5SV45V6g\n"
	"lAxDHXiYXPSxZ3Sc8wo32BqO+vwpFFqRIokRApvJPs6f1O1lA6Tq/M8JyQj8uNQS\n"
	"DCg7Sd7KNmwQ+QNHxpW3GE8jqSeH957U6REsY3h3E8mNb8Fr0H2z8MQeyxKm2MmM\n"
	"QaKtbpzlYLa/M5FXCdwLuGh8LZTUfZAkThIHWSc+MZP+E5azl1M9GkRS9Sicd4Z+\n"
	"d4PukTGjiWLg0QW/LbJONcOPyzYo2FCS4zokMFg4ZnJSaolr+H1g14qMMySb+sPO\n"
	"tvKfDAbUMyGNs87VmpAuiVoFzrif06gTsU4Pt8oZqyoNHWpcEqnuD1bfTOXsflJ7\n"
	"q58mFU3hPNhRHo/KoD4CO8DrvLaVmE5deUiN06GitBdpHG/E92CxBNq+kXmlxcV6\n"
	"/2R912XYDVRjOBaZLMlLyzQvNUOkcwxTdTwWXe+QAsSay87frQ1pRmbbXWKFcy2x\n"
	"irdbwyYEeBTMaGTcOEr+nFCFp1W9+vccXiuJjbPzki+puebBK5sOaXNmKifZINM2\n"
	"V39Y4A+h5qIg9qcnAmPUAsW1qjzQcurzhC6WxwXB6Kq2weoiTQtueswJeJ+lEoHG\n"
	"iKbta3gRjLBtbVneeX1hAoIBAQD324MVomB7eZKP+aNg4wMqga3al/VhcaYc2MWw\n"
	"68x6SIk96O0fsLe3uCav5dDPOOZ2vhbrLIKi4vERMccusKOoLvhK3498OM5lXAdT\n"
	"w8S/fzQDNTlm36YvuXafkLpQfG8TNXrUg7jjFoMuNX1M5uIix5s4/b5yZcvES9XM\n"
	"O/md/dbSadDYyEtK+/hMiFAsUfj90iOCZ1AC3HvXS02mgg0s7H3lyIW7Hmv2u7Zt\n"
	"SZIiwEhFUP0ivhwa/CweHOKN6IfiT/vzMsdlwEmkUdJRE99a9Q0Z3Ifnwj0/9gu7\n"
	"kdGUQJd6uIKKt0DpieDB8N2JjU7EW7QIkp1IViQJVUAoALOhAoIBAQDEmFOLMmZt\n"
	"VK6GLkWd191Zk+Bp2B9c9UObM61rB7oDSKMEP3ogwrV9vbJyYVqbGcJAGZaoS9or\n"
	"Z5SkYoVOQ9sF/3tMEFpGH8EwJdcbKwl6iU147XhlzkGiuxQuomBRzp8qIaeh1ay+\n"
	"q+vDc9tAZE0Bv5Z1EEPhEofVatZoUd70yFfPHkSQRridGhvKC5CO9xn3BeBJbyeY\n"
	"OiiIJWyLBwmlvhu75xFxhTEcreeWVhtlEYflAv6YHuhGA0g3/uJ7BGYyhEpRJtBA\n"
	"ozapUoGIp2uesjeIfRzMFGD+ZekpuvFzDAk2FLc7LA3kBq7gdgozQiVrVJBsGjcJ\n"
	"wpPEw1g8KUrpAoIBAQC9B377uvEWemuavmsp8zhw7KHo+se7328uxOxQuCUkhbmV\n"
	"q9Vcu+wBg8KNmBoeUGkD2omkJjgjfi0YTfx40WKfW+MlR0cpGDHg/8Tez4l3+s1y\n"
	"PN9gY+VctHeRzlEqHRyha8IX3bXeC0dUsJq1UcjZeZ4aYvsiSByVwrh1oLAJHJT/\n"
	"uI/9JRS3RV/jDnsGsiXRfrhyNdTBueIBGn9IJBtkTaDe5IWJZfQ1IohI5Tk8o6T6\n"
	"qH/GRXMt6XDELodibxtjMFkY63tDUNlZJsXd6+gGeKnbNWO5D1yjMUVVciqChJiC\n"
	"kcGNhaFN+0ec4dQzmb+e5clyWE734iptq8TYPWDBAoIBAAX8za6TnmL+DUKw7hXc\n"
	"mTU9N7yBhJMENUbo0ANOfO/UqoJanJGa3IQz3td095l5s1zYaqo9hSuFQBWxmnXD\n"
	"w0vveAXdCaLRHMUmoeKF8Qf2XpGsSdpv6bfXEspIz74uGNLjq4NWSqiT+948DRVs\n"
	"+JtxBlgSYr7cHZ72XglXVP8HiwUX2ua6AK1oOihxKbnw9K19VFNoO0B7pPhgi2nA\n"
	"kR6nJ5kVdIaMk+5XrZH6lWMCoazr5m0jo9deCjkKXkN44tPvC4RlNjqBvgxyItfS\n"
	"oYh3zREvHk1o4XteBzfqJahnWXB4OQxoTxP+0Byt+6mL/i/Cp5NjSQHXF0EK4gkT\n"
	"COECggEAULcz2lKho41Y2zgZchC1OAqcxpmWUtEheBJeLzBq7RtF+HTTDEDKdhdn\n"
	"GnIP5QhDXpav/lCsMiHkuBxptDiRVJOSlnn4NR8Yn7tNQ91s+xiM70RfQAuc6v4y\n"
	"JFh6MONH1BDqii6qpIsHj7Qj5BI6rth/G/8snCWQDfI8DhJseAn8KDBxlmmYWiiO\n"
	"exz/mJB7nUZLrkYG7teuxGnhA80B8BEbzOvvhnAfa9+wQ55gX8CUdWBmZcb/AxQ7\n"
	"+OJAPsAbkh0mx+Q/YHurAGFfcTTAmlZGUNDBSVmuwouO1MDVlXEXZidMuiO9jlPL\n"
	"qtLDzKXPPgcuggz7xIok53wgUgjivw==\n"
	"-----END PRIVATE KEY-----\n";

/* TEST-ONLY 4608-bit RSA key (too large). */
static const char test_rsa4608[] __attribute__((unused)) =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIKYwIBADANBgkqhkiG9w0BAQEFAASCCk0wggpJAgEAAoICQQCOeSbp3TiaWKNJ\n"
	"PJhC5TuvKbmeblHfhfuJmLRIngm+8WAthsDjvP7qUfzG/ytISsJ4ePwTWJVRUTer\n"
	"eVLXAI9iJhUzblMFC1LaVvUDIM3fnWoefgtlk2eis6i8DwpMwASNtf2sKXbSVP2U\n"
	"OLWNJHq6olQUTBOUwL/PuCQC2K7wqI8dMdnCZ5xDfJHopYFGaPZdf88Vm1yYh3Ih\n"
	"0X1NcJLNG7qwYQHgAaoAF+dLSnqZNnbpgyMLUFlrsHGOO05b1AAzfpctmCz7oatM\n"
	"cV8abb0U7X1TYdPe7rFXyno+MrXf+ve2XLtGDKPWnb8EbUVx432ZMaWfGU1DG7Np\n"
	"061RBlU1HY3k2bjF0+9ViArqi8fLIlo/313LJ3QTr3l3bLsOGiTwfL+ElctUcCzC\n"
	"sjQKO42vKRAYY7WBopnbWCjnYzZPeEYhfiTijHYKnEXL5xahftDTtjyLIzEfCetK\n"
	"LJrwnMsrN2+/i/kmR8/pPFvBHv0PNsThY7Y/0MxONAwG391aGnXsoILebuZCUeZF\n"
	"2h6abi2M8mVxyRp7uAC2m37Swf/xFnigkuJOyW0BTXlHUgGtxIoONjFEG050hxc3\n"
	"NYWS6h4j9VD0EtckZ1MbWxC6/vretU9YItp4ofzsMo8KEk1N2MWZn85wEG+Z3/Xn\n"
	"0kbA7qTqcTcjgirYOrAtZE5I8WOd5O+5oNKk7KVZ5MClStqEjKjb1P9i1TVTscWS\n"
	"ARr/IUfBuEdWoHCzGAo/ZAetV0GnRLK5zX3S/8Urx8VSWl3lqYkCAwEAAQKCAkAO\n"
	"7WWk2h9MmJ3fFgCz/ZWPyDThAxkD7ONKatv0wc4umdakXnqGQe6JeXadGO4dgGu4\n"
	"uKBcnIrkfrhw+GC0EyRyuZ++CECdhi6znqnEHqNDWxhbwoQKK/QPSXiT35WKLhIs\n"
	"ENXXvG5tIieBaKGo/Jn5RPm/OKtSihFuv5HSVIabw2VfPzJcGoP2VC5rbC/Lw0KQ\n"
	"0EvPrTv55TMRlQPmYbWX1OBuC3PpVvNLWDXNHywSMnEqDSnWTSBZVp7HMrKGj4NH\n"
	"4esQBWItKSar9zLqL3ZAo5NecaEDugmNs7K0IpcItSBQFI4wjDF8UoHJgnNkt9uY\n"
	"eemq7jk4n0XggCOoGhxCWOrdf+xKmeZ5FSxjn6qav2oqSAppNySDzX5SA2vj0dxF\n"
	"6PcWCDbr+q/bESuNV+0IaNie9xpZjWD6RKUYVvB+JlOy1qO7bWFgffMnwRmu2IjM\n"
	"xXOXLJJgrll/1BaogQltFbkr82F4N96YQ17fUIT9megmJIf6JUdyhSDN4M90ynli\n"
	"MDXofv+TuQWyS1MUxFA2e7ReNYRkcoIOqdhofsiWk5pfADCqdqGGLtZnKEENJdDG\n"
	"fLyxcXLHDUqS+A/YEE0HKB1gBbbXMdvBzxdE5bMuxqHvwY7FCF1dNBPkL4E+QKar\n"
	"WJJFiPdeHgaY5DZXQelVhBZLSomgHlXjN8RN/aksLuC/7NrDs6qER3EshGE8DK6Y\n"
	"KvXNnZuLRSTUAyraHndAB6L0U0zX9GczqM9jBwuLk2yCTCCvZWZkXDBcwgUs9wkC\n"
	"ggEhAML0CN41zy+dJQ2V4f2fBH/5d7AIk6q9L3o5AOtmRVXAtx9PgIYrI8leppfa\n"
	"D+s3acRcRW+9IRxu/Jm3FljEqDH2Svr9d9g9dKUBIDodNGzuOiJNY94XPTJwtYoK\n"
	"DAJgGe5AR3XVGQty7eeC6ZfXfuRHmJ0blFMtqgo0pZCjck+xkyupHQ86Ms8ZiXY7\n"
	"iLcxPo8hVwVElz7nn1ruP4grrGSjlY+Y6ZiKD+SGiJZrEijwZcbQXgNl4LU3togG\n"
	"x46Km8RuPBWeOnh1veDol52nVD0sWsRIL3iSO/KB5rHd9MjVCp8sychDvS8h7Y9d\n"
	"RLlKWHPeGS4NWvORhRjViuSJcChE8HvAgdskJLQxtxPX50rG6dix8icsF5RX9VFd\n"
	"vH1d1QKCASEAuxYukawGM/A1tF0wAocChrYEH6pdQwtGVyTiV1221IQO/je3ugLH\n"
	"wVmFtpE2qMZJudWxN2RKKVCHTGPA21Y/RDlSyVhy0SGvBEGHOPXN/4MQ7JVuj4kR\n"
	"2M0Jr39wwjpX8USCSyHqyiuWsgBv0d1HAKgomtHaHqoMEJob//RYrQmrB/18mQH2\n"
	"7UXUQ+SsjBB5P9TQLCeqkhl4aPVtS7QFPQMCR6wYuQsQ26SaMCLwsHtiKXQYaDfd\n"
	"JiFfpadUGJnLNcPOyMGMWYdr8idSb6Rst0hCt4SDPmdNfdaCvaVZsu2Y+to8xpKR\n"
	"CjvO0X5+H0v7x9DMMua3iiLlLnAJhazWS3D0K3OHJsvBmeKovctjSTLmUwAbOfaL\n"
	"iwADROt7qNLlAoIBIQC6/KwAziWx6ozekfMXes0rHhDhY+iWrCx8k25BWm+IR3ac\n"
	"7nk8tuX1P/aT0ZDRL+4fa80h1oqKph1cJlKlw8H7YdsbD8BCRPe7R/AsLVTaYkia\n"
	"HBZ8r1eAKMDG7MoGATz92uNvrnv+EjcDhfodLJFFzTIhBpHmkfb1IPfoWgzLSWv6\n"
	"RZNcxppzL3A8We/Qncf+KqE3qUlUCX88DSYcqp8ITCqod6ceKtYBf9RESeA6KhHE\n"
	"dpils7KqvgwyPiZrnqC28HBq37//SBdeQFkj2pmerwtEFmSJxeD/wf6OfXBKrKQq\n"
	"dh/4GJi9O1KK3o+LFTbvs4f9NswUsG+zmSZF+1j7Ftx+Je+nS+x0dPa/bqcmftFO\n"
	"iabUUaMwIolmiHzA1h0CggEgbYOHkRgsrVyQY1slTmVvkiGb+llErIk+DKb3o4Kl\n"
	"EnOXPzKoZsdX3ROlVQBeCZ/A6npveWhIjTSpbor6CqrK8AnKLziKRWc9RvWAzVP9\n"
	"2PMFBihXBsiK3OjxIX0tKVTzw7SBvK9G/D9VwC7HRgcMmBLXagEreEW8OD+t4j9L\n"
	"ZUdCibPVqs9elvgIUBHc+0RtZXMSxLYXf9xPAsmfx+/CHTvUqtXPxwn2PUx2QXVC\n"
	"hVxEUtW1r9P7rWVd0t9HN/tW28saEaRSntnJ0383H0kVppgzDbARD4dy8hWOhKr0\n"
	"/etdYII9j1OeeWoXH8S22WUmJopP7f/mMoNIus00lb5d1t1w4LqIw6oEUys98ZPM\n"
	"M74K2001otFyT9SbFU3vHh0NAoIBIQCg75IzgLqk1rUsqbMgiaADmjDdj52b3n+o\n"
	"W3hKaeDq5oc/YP5XsYbik/re1J+fiMt6UalTNIx0irwxHyyY1dbdJrJun9x4mK0m\n"
	"iNMEwtuMxIp0u9kyOt2lIROukEMYxXgq35BE+JTA5rz3HS28DEgN+VG7FYyk+8I/\n"
	"+p9xYanVPRzEQPEfaA2mtFv6TP3ws+1naRONYT8W7+Syrhu2AuTpyxGkjm2HGlOT\n"
	"DdkVKfI9b3Mvjve2AKfLOcFJO/oeTSt35K8RMnAUXnwhnEEs5rUuEP+QhxLjg3M+\n"
	"5qPCcxrDWjPxAW7mdRADzJcbtqYHD3R7wJGigjQ8H3G45EEO5VldES+lQE/tfEVk\n"
	"3Sdz9An7PQjJvptIN7IP9gJ5ijmNnKk=\n"
	"-----END PRIVATE KEY-----\n";

/* TEST-ONLY 1024-bit RSA key (too small). */
static const char test_rsa1024[] __attribute__((unused)) =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAKVSZNtyRNNO5mjq\n"
	"uxQtV/4xNa1w8NiAXHNR22TyC/sXFeIc5WsjwNPFOfXUyRVr6QYBMuOK29Yv8b7s\n"
	"fgePQkPo+36AiUf/lBq7koxszq+hdBMsdOPshQ4yJBABKcBVbtDWHYxpE5zwWqI1\n"
	"b65E2/2B0m862vxg7nthEb54aG69AgMBAAECgYBWWFtO9jaWOs5Cm96L4kbj/2Wu\n"
	"qZ9RJHGk1WsGJRk20k7eowL721eaA5eLGtDPfGXfef7PMzYwfyf+9Nu6LQuJP3+p\n"
	"LynOlLX6GCvkCTBqz5jNCRXu4UzC5gbQNdpjrtREVCJzDzPJ//i4G9iu/UExiuR/\n"
	"eTBuQhNJg5CGVg4lYQJBANTbk9W3rzzsoeVN5nqmxlaOKDX1R2i68wM1FUSyrRkD\n"
	"GIWHohENpn2fF38pdGW9gOhfeL52HPMZ1R+fm33PYjkCQQDG1FnQhzJ5IY3G9WvV\n"
	"TGL2IjOdd97vNMNlXjxf7hPc1OGtqAsLeA+20uffyNdZxDdbmsdLp2NTV+MfBQDV\n"
	"LyClAkBQhMtUggp4+m53hlNUPDg0z8uoNaOQm3+HzBHCjfBq0L/66wbEeqxrQr4p\n"
	"rS3JurjDrjHHonhrAW+caczw930JAkBlpvdsN1LEvzTe/WZuHKmTsRS2cyyVG2Ky\n"
	"lqVDXlLlWikvQXS0HmPaUqWdse73w+uRd+ZgdWnAmHRTzZkJZRjJAkEAlxpSwuK4\n"
	"PWPe74gQVZzc7eZPd9hwKSJ/jGILDdyrw3sxzCdvzSFPqyFeZsk5HOlhlI1H6Nb8\n"
	"aeEpSw4l1USi6w==\n"
	"-----END PRIVATE KEY-----\n";

/* TEST-ONLY EC P-256 key, PKCS#8 (not RSA). */
static const char test_ec_pkcs8[] __attribute__((unused)) =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/7CIcat4uzOgYcFr\n"
	"kY20k3PBxAE/rBHq0WDzYmZX6FGhRANCAASacqNRbTX+4c0Ya4rDj2SIeQE3VN38\n"
	"A2EzGqFlaqsAmI+RDeJTjoTRMiWbH7/wOpylB1KSB9EVvRVcF1yvI0B4\n"
	"-----END PRIVATE KEY-----\n";

/* The same TEST-ONLY EC key, SEC 1 ("EC PRIVATE KEY"). */
static const char test_ec_sec1[] __attribute__((unused)) =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MHcCAQEEIP+wiHGreLszoGHBa5GNtJNzwcQBP6wR6tFg82JmV+hRoAoGCCqGSM49\n"
	"AwEHoUQDQgAEmnKjUW01/uHNGGuKw49kiHkBN1Td/ANhMxqhZWqrAJiPkQ3iU46E\n"
	"0TIlmx+/8DqcpQdSkgfRFb0VXBdcryNAeA==\n"
	"-----END EC PRIVATE KEY-----\n";

/* The TEST-ONLY 2048-bit key, encrypted PKCS#8 (password "x"). */
static const char test_rsa_encrypted[] __attribute__((unused)) =
	"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
	"MIIFLTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQIVu9oTCUrCLQCAggA\n"
	"MAwGCCqGSIb3DQIJBQAwHQYJYIZIAWUDBAEqBBAPKrzj5UuAAlV7aLIWWS6vBIIE\n"
	"0N+1iv5umLecUjBFVjlTlhTxaRmV8h7GS4YXLVydfhkS9cjswyBiyT+O6I6rj0IP\n"
	"krfG3U0v1WaBnMaRwqp5stOthbi2bR7iEv4eu5J9qq87FnBin0vymV4TRMIXW3u0\n"
	"pChglsvPhJaXp53dQmAoHELuf71f5JMeLaeUi+FxHQInD2j9T/O30Z2oi0FHdtS2\n"
	"AkbTjmdo3NhryrHIdkegMxpZjKIZvRig5EKUD3lVVa/YAp42/iWbf8XGwnYh1+W2\n"
	"7mLLvR2HgZMa8DCuVJWFI8t90KQANZK96MIZ3OYYZef99oDM75QSupIvGENbT337\n"
	"FXE44NJ34E9K/KVSJU0A+CAhpJQlru8y8ld/l2sjGD9NgiQK7ANFxGjC6LibYBju\n"
	"O7TzdsuJcBfMcehrq+K8wEIoBvuZphk3E7hficf6s9vqM8K4Uk36Ei45D/ZNJN6M\n"
	"oBgXm98VY4j5fAqyfYmPQbgKWYNXiWf8RB4vxmNiNqMsgh0e9BX4x52+sdcckmTZ\n"
	"cG+cyAEfk2PELslU2x15nQ/LAmMHaDDl5sS6bKgsYomTc+Y0lqOsP2G316LQx75t\n"
	"SeE9gRHETCWuwkBk1j1ccQ4einEPjF//KMv/RIdLVFyjFQEoqR/Gt/YvKkTEuy2c\n"
	"01d1hvfa0zTA96cZidjoNEKwELumI2tn2wFbbmEOKGdZy+pD7AJd3e4eRP007mi4\n"
	"OZe7mquTdw6dBm3V43biCV+Yyq15BDVRNFjiAx9U1/msOdM5axbOKjuAPwluN3IG\n"
	"vWiTGDrKmL8vQcX3vAYVSGWeAUsg/+63Xz2ORq9tC3YE8BCJIUjQn/qB5gpxI7DA\n"
	"HkIWfZjjEIdU9FqqLKyf+Aa8dKoBTGSWPpc4KoxmsY7iv28R2osQrq/Y6StOH3Ls\n"
	"bCC7PlvPMm+YUw+nJ7pEG20mQm85jrLVedOdGTJF0Elf9p6BH3mXo1mx/pVax9vE\n"
	"AcH1yKqPP2H3UZaAyljxtP+WLca4XxYnR+AH3FUmbnPGBhSoiDsW/K/dJQ7dhnDM\n"
	"fvuGiPfPlsuTzow4rvbTJhiAjKYVxYDD2YuPLpTpIge19JeQYfxU9ChP43PYZ5Et\n"
	"Mqj8XQLxUZBCi4nOsPhdOLxWdeCgaC193W3kgFKM+EJd8nyfGj5hFqDlL0MpLdlo\n"
	"QdVnrRJv1WxJfmUjAcYmVio5OOEKNf7ZxxcBkn61D7QjrN5zNHo/rEMZur6YkoxU\n"
	"wQ/L/7puY+8Lbc2XKV+zyQJdcL25hJtoUQTwX9pi0ps7N/uHhXPD/k4ETNBTNcSA\n"
	"t3DXTSXkOm/yobPy0icSo5ZkRFGkjmEIGh/SrmRxuzCTBCpHhk1qjl0WMo8QXaku\n"
	"6tTG+zgWPOq6bfDBU324jA4RTEfm97fwXmIJLwYm5EY/+iwJ7XXV6qORpVaoECFh\n"
	"bF7ziB7yjscvMrfLOa1iMlYh8Ho9d9cyTxMuGZ9pDtmjharhh3WRfEupdWBEK5Xi\n"
	"dPcHjBqJ/e8vHNbyVEPMifV8orohQFg8NyjjFvSajAHg9gTCaO7rnDlFnce/pfiC\n"
	"F7MRe1pvMro0Isv+Hy1+8zZheMt7PGBJZbQmgx3auWczATVa0EGj/53Z/kNcHpDC\n"
	"a3bgHl8cSi9ln6BT4R+sQqRkkYoeo/51v3yGJWUnLvRs\n"
	"-----END ENCRYPTED PRIVATE KEY-----\n";


/* A key file with these members (a NULL one is left out), in a static buffer; pem is
 * JSON-escaped. */
static inline const char *test_keyfile(const char *type, const char *email, const char *pem,
				       const char *uri, const char *kid, const char *project)
{
	static char doc[20000];
	size_t pos = 0;
	const char *names[] = {"type", "project_id", "private_key_id", "private_key",
			       "client_email", "token_uri"};
	const char *vals[] = {type, project, kid, pem, email, uri};
	doc[pos++] = '{';
	for (int i = 0; i < 6; i++) {
		if (!vals[i])
			continue;
		pos += (size_t)snprintf(doc + pos, sizeof doc - pos, "%s\"%s\": \"", pos > 1 ? ",\n " : "",
					names[i]);
		if (json_escape(vals[i], strlen(vals[i]), doc, sizeof doc - 8, &pos) < 0)
			return "(test_keyfile: too long)";
		doc[pos++] = '"';
	}
	memcpy(doc + pos, "}", 2);
	return doc;
}

/* The usual file for the 2048-bit test key. */
#define TEST_EMAIL "airlock-test@airlock-test-project.iam.gserviceaccount.com"
#define TEST_URI "https://oauth2.googleapis.com/token"
#define TEST_KID "0123456789abcdef0123456789abcdef01234567"
#define TEST_PROJECT "airlock-test-project"
static inline const char *test_keyfile_ok(void)
{
	return test_keyfile("service_account", TEST_EMAIL, test_rsa2048_pkcs8, TEST_URI, TEST_KID,
			    TEST_PROJECT);
}

#endif
