#!/usr/bin/env bats
# flo-score: RFM summaries in, the same records out with p_alive, expected
# purchases, expected average value and CLV.
#
# Golden values come from outside the code: the published CDNOW parameters
# and FHL's worked example, the textbook formulas evaluated in awk, and
# scripts/golden/score_clv.py (mpmath, 30 digits: FHL eq. (10) with hyp2f1 and
# the `lifetimes` CLV sum) for tests/data/score_cdnow.csv.

load test_helper

# BG/NBD: Fader, Hardie & Lee (2005); Gamma-Gamma: Fader & Hardie (2013).
CDNOW="--bgnbd 0.243,4.414,0.793,2.426 --gg 6.25,3.74,15.44"
SUMMARY=customer_id,frequency,recency,T,monetary
ADDED=p_alive,exp_purchases_12,exp_purchases_24,exp_avg_value,clv

# agree GOLD OUT TOL: every column of the CSV file GOLD (customer_id first)
# agrees with the column of that name in OUT, for the same customer, within
# relative TOL; prints "N checked, M bad".
agree() {
	awk -F, -v tol="$3" '
	  FNR == 1 && NR == FNR { for (i = 2; i <= NF; i++) name[i] = $i; ncol = NF; next }
	  FNR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
	  NR == FNR { for (i = 2; i <= ncol; i++) want[$1, i] = $i; gold[$1] = 1; next }
	  $1 in gold { n++
	    for (i = 2; i <= ncol; i++) {
	      got = $(at[name[i]]); w = want[$1, i]; d = got - w; s = w
	      if (d < 0) d = -d
	      if (s < 0) s = -s
	      if (!(name[i] in at) || got == "" || d > tol * s) { bad++; print "bad: " $1 " " name[i] " = " got ", want " w }
	    } }
	  END { print n + 0 " checked, " bad + 0 " bad" }' "$1" "$2"
}

# column OUT NAME: the values of column NAME of the CSV file OUT, one a line.
column() {
	awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next } { print $c }' "$1"
}

@test "CDNOW customers: every score agrees with the mpmath values of scripts/golden/score_clv.py" {
	run --separate-stderr flo-score $CDNOW --horizon 12,24,39 "$DATA/score_cdnow.csv"
	assert_success
	assert_line --index 0 "$SUMMARY,p_alive,exp_purchases_12,exp_purchases_24,exp_purchases_39,exp_avg_value,clv"
	[ "${#lines[@]}" -eq 9 ]
	echo "$output" > "$TMP/out.csv"
	cat > "$TMP/gold.csv" <<'EOF'
customer_id,p_alive,exp_purchases_12,exp_purchases_24,exp_purchases_39,exp_avg_value,clv
fhl,0.72657857008067291,0.42411579417957151,0.80229012749657098,1.2260281747671444,24.659612860892388,20.597210683143816
new,1.0000000000000000,0.064749145245445326,0.12496270442212366,0.19509805201126264,35.218978102189781,4.5944694412840631
oneoff,0.21210098537737908,0.069224591856298350,0.13192727497893641,0.20318698707975406,18.916852057842047,2.6008147134830205
loyal,0.92669154784856479,3.3487772987328536,6.2097402675056088,9.3025692611429056,45.187832446808511,291.37997047709347
young,0.80091729649572667,2.3551205719664256,4.0054107641330634,5.5921073362718733,30.665425779432294,126.32687905334422
gone,0.000086707048849185547,0.00016353012428671831,0.00030460235041640992,0.00045830333438593640,19.203054420305442,0.0060773837798387136
free,0.66669806671430252,0.48207209613197784,0.90169398162321419,1.3630165269636667,6.3320209973753281,5.9356605190347306
refund,0.61376558362063586,0.34191337174689707,0.63383877285631289,0.95087577850273390,10.734149054505006,7.0658103145955445
EOF
	run agree "$TMP/gold.csv" "$TMP/out.csv" 1e-12
	assert_output "8 checked, 0 bad"
}

@test "a Pareto/NBD model: every score agrees with the mpmath values of scripts/golden/score_pnbd.py" {
	run --separate-stderr flo-score --model "$DATA/score_model_pnbd.json" --horizon 12,24,39 "$DATA/score_cdnow.csv"
	assert_success
	assert_line --index 0 "$SUMMARY,p_alive,exp_purchases_12,exp_purchases_24,exp_purchases_39,exp_avg_value,clv"
	[ "${#lines[@]}" -eq 9 ]
	echo "$output" > "$TMP/out.csv"
	cat > "$TMP/gold.csv" <<'EOF'
customer_id,p_alive,exp_purchases_12,exp_purchases_24,exp_purchases_39,exp_avg_value,clv
fhl,0.86841091713209171,0.50286045174277637,0.94974219637414520,1.4503713747917109,24.659612860892388,24.379501893008174
new,0.29377395046742047,0.036690869106878622,0.069297290116320531,0.10582535589031974,35.218978102189781,2.5405388609810783
oneoff,0.16699455052575494,0.058778164992555518,0.11101311173984858,0.16953046848789374,18.916852057842047,2.1860293258916601
loyal,0.98096832050782442,3.2411565035719119,6.1215056499796657,9.3482806168365920,45.187832446808511,287.94703075698701
young,0.96107152622466088,2.0884324483573684,3.7047401292290795,5.3644686287536083,30.665425779432294,117.40888091921283
gone,0.00079427040534484104,0.0013843855896020216,0.0026126034564334406,0.0039867851757676217,19.203054420305442,0.052219609103798981
free,0.78764593037330460,0.54857546538360137,1.0264822179455039,1.5540151121842703,6.3320209973753281,6.7580910074163790
refund,0.73340092759344016,0.40297343110278581,0.74278490362029138,1.1095755128840099,10.734149054505006,8.2751894770536877
EOF
	run agree "$TMP/gold.csv" "$TMP/out.csv" 1e-12
	assert_output "8 checked, 0 bad"
}

# scripts/golden/score_mbgnbd.py: lifetimes' ModifiedBetaGeoFitter's
# formulas with mpmath at the MBG/NBD's CDNOW fit (mbgnbd_golden.py), and
# the conditional PMF as P(alive) times the BG/NBD's eq. (8) at (r+x,
# alpha+T, a, b+x+1), cross-checked there against the model's story.
@test "an MBG/NBD model: every score and P(n) agrees with the mpmath values of scripts/golden/score_mbgnbd.py" {
	run --separate-stderr flo-score --model "$DATA/score_model_mbgnbd.json" --horizon 12,24,39 --pmf 3 "$DATA/score_cdnow.csv"
	assert_success
	[ "${#lines[@]}" -eq 9 ]
	echo "$output" > "$TMP/out.csv"
	cat > "$TMP/gold.csv" <<'EOF'
customer_id,p_alive,exp_purchases_12,exp_purchases_24,exp_purchases_39,exp_avg_value,clv,p_purchases_39_0,p_purchases_39_1,p_purchases_39_2,p_purchases_39_3
fhl,0.70612569810823376,0.44256758195370132,0.83196926213842111,1.2626692117180592,24.659612860892388,21.340640959741985,0.44008125773643861,0.23422283235641831,0.14595484116660143,0.17974106874054165
new,0.38971515743190398,0.051913480569972432,0.099436822007589413,0.15395430072542705,35.218978102189781,3.6521134891840782,0.89120378947588984,0.078685877250195556,0.020436960399143198,0.0096733728747714086
oneoff,0.17082013105216403,0.065214606601444248,0.12346977937729424,0.18878996979311420,18.916852057842047,2.4318605774317987,0.89517302928337777,0.058197476658789180,0.025940626324715242,0.020688867733117809
loyal,0.91990979821568198,3.2328500317812242,5.9560635061874296,8.8595091616608068,45.187832446808511,279.22731128093737,0.080197192221697760,0.047520066835547113,0.044362414083595160,0.82792032685915997
young,0.79285379662862628,2.1643332736216643,3.6624828998239732,5.0790550607366729,30.665425779432294,115.41768600179777,0.21218021900930452,0.11961435690346210,0.097083575659398202,0.57112184842783518
gone,0.00015449897466892539,0.00028851876441517800,0.00053403994248107201,0.00079798341137297834,19.203054420305442,0.010645828023271025,0.99984682310263365,0.000017265278795770858,0.000018398941175617162,0.00011751267739496495
free,0.64177853076983543,0.49284461810726813,0.91547658187149709,1.3734924518042058,6.3320209973753281,6.0206650336821500,0.45948621835341180,0.19866826374767201,0.13453634672603854,0.20730917117287766
refund,0.58472882123042136,0.36893054323567993,0.67824332013930731,1.0085019273634038,10.734149054505006,7.5522980516355606,0.56079787477287388,0.19339519949930075,0.10721698889767058,0.13858993683015479
EOF
	run agree "$TMP/gold.csv" "$TMP/out.csv" 1e-12
	assert_output "8 checked, 0 bad"
	# the model flo-score --fit --fit-model mbgnbd makes on CDNOW is flo-fit
	# --model mbgnbd's: its purchase scores within the fits' 2e-6 of these
	# (the Gamma-Gamma is its own fit, not the published one)
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/s.csv"
	grep -E '^(customer_id|fhl|new|loyal),' "$TMP/gold.csv" | cut -d, -f1-5,8- > "$TMP/g3.csv"
	flo-score --fit --fit-model mbgnbd --model-out "$TMP/fit.json" --horizon 12,24,39 --pmf 3 "$TMP/s.csv" \
		2>/dev/null > /dev/null
	[ "$(jq -r .family "$TMP/fit.json")" = mbgnbd ]
	flo-score --model "$TMP/fit.json" --horizon 12,24,39 --pmf 3 "$DATA/score_cdnow.csv" 2>/dev/null > "$TMP/fitted.csv"
	run agree "$TMP/g3.csv" "$TMP/fitted.csv" 1e-5
	assert_output "3 checked, 0 bad"
}

@test "a Pareto/NBD model fitted and stored is scored from the store unchanged" {
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/s.csv"
	flo-fit --model pnbd --db "$TMP/st" --name pn "$TMP/s.csv" 2>/dev/null > "$TMP/m.json"
	flo-score --db "$TMP/st" --name pn "$TMP/s.csv" > "$TMP/a.csv"
	flo-score --model "$TMP/m.json" "$TMP/s.csv" > "$TMP/b.csv"
	cmp "$TMP/a.csv" "$TMP/b.csv"
	[ "$(wc -l < "$TMP/a.csv")" -eq 2358 ]
	# every number finite, P(alive) a probability
	run awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	  { p = $(c["p_alive"]); if (!(p >= 0 && p <= 1) || $(c["clv"]) !~ /^[0-9.e+-]+$/) bad++ }
	  END { print bad + 0 }' "$TMP/a.csv"
	assert_output 0
	# and not the BG/NBD's scores: the families differ
	flo-fit --db "$TMP/st" --name bg "$TMP/s.csv" 2>/dev/null > /dev/null
	flo-score --db "$TMP/st" --name bg "$TMP/s.csv" > "$TMP/c.csv"
	! cmp -s "$TMP/a.csv" "$TMP/c.csv"
}

@test "FHL 2005: the customer with x = 2, t_x = 30.43, T = 38.86 makes 1.226 purchases in 39 weeks" {
	run --separate-stderr flo-score $CDNOW --horizon 39 "$DATA/score_cdnow.csv"
	assert_success
	echo "$output" > "$TMP/out.csv"
	run awk -F, '$1 == "fhl" { d = $7 - 1.226; print (d < 0 ? -d : d) < 0.0005 ? "ok" : "bad " $7 }' "$TMP/out.csv"
	assert_output "ok"
}

@test "p_alive and exp_avg_value agree with the textbook formulas in awk" {
	run --separate-stderr flo-score $CDNOW "$DATA/score_cdnow.csv"
	assert_success
	echo "$output" > "$TMP/out.csv"
	# P(alive) (Fader, Hardie & Lee 2008); E[M] as the weighted mean of the
	# population mean and the customer's mean (Fader & Hardie 2013), with
	# monetary <= 0 taken as 0 (flo-score's documented choice).
	run awk -F, -v r=0.243 -v al=4.414 -v a=0.793 -v b=2.426 -v p=6.25 -v q=3.74 -v v=15.44 '
	  function rel(x, y) { d = x - y; if (d < 0) d = -d; return d / (y < 0 ? -y : y) }
	  NR > 1 { x = $2; tx = $3; T = $4; m = $5 > 0 ? $5 : 0; n++
	    pa = x == 0 ? 1 : 1 / (1 + a / (b + x - 1) * ((al + T) / (al + tx)) ^ (r + x))
	    em = (q - 1) / (p * x + q - 1) * p * v / (q - 1) + p * x / (p * x + q - 1) * m
	    if (rel($6, pa) > 1e-13 || rel($9, em) > 1e-13) { bad++; print "bad: " $0 } }
	  END { print n " checked, " bad + 0 " bad" }' "$TMP/out.csv"
	assert_output "8 checked, 0 bad"
}

@test "the 50-digit value of DESIGN.md at the penalised FLO boundary fit (a -> 0)" {
	printf '%s\nref,1,1.571428571,20.857142857,10\n' "$SUMMARY" > "$TMP/in.csv"
	run --separate-stderr flo-score --bgnbd 2.725321740632131,72.66677564237696,8.110876565036794e-23,6.699991154257477e-14 --horizon 12 "$TMP/in.csv"
	assert_success
	echo "$output" > "$TMP/out.csv"
	run awk -F, 'NR == 2 { d = $7 - 0.477993880891; print (d < 0 ? -d : d) < 1e-11 ? "ok" : "bad " $7 }' "$TMP/out.csv"
	assert_output "ok"
}

@test "--clv-months and --discount: the mpmath CLV over 12 months at 20% a month; 0 months" {
	run --separate-stderr flo-score $CDNOW --clv-months 12 --discount 0.2 "$DATA/score_cdnow.csv"
	assert_success
	echo "$output" > "$TMP/out.csv"
	printf '%s\n' customer_id,clv fhl,15.307570485534498 new,3.4479185801525951 \
		oneoff,1.9395098716040163 loyal,214.85192856174163 > "$TMP/gold.csv"
	run agree "$TMP/gold.csv" "$TMP/out.csv" 1e-12
	assert_output "4 checked, 0 bad"
	run --separate-stderr flo-score $CDNOW --clv-months 0 "$DATA/score_cdnow.csv"
	assert_success
	echo "$output" > "$TMP/out.csv"
	[ "$(column "$TMP/out.csv" clv | sort -u)" = 0 ]
}

@test "--unit day: the CLV counts 30 days a month (mpmath), horizons are in days" {
	awk -F, -v OFS=, 'NR > 1 { $3 = sprintf("%.17g", $3 * 7); $4 = sprintf("%.17g", $4 * 7) } 1' \
		"$DATA/score_cdnow.csv" > "$TMP/days.csv"
	run --separate-stderr flo-score $CDNOW --unit day --horizon 12 "$TMP/days.csv"
	assert_success
	echo "$output" > "$TMP/out.csv"
	cat > "$TMP/gold.csv" <<'EOF'
customer_id,exp_purchases_12,clv
fhl,0.068983697163486367,21.744679841003442
new,0.010479469410154998,4.9374545646424554
oneoff,0.0044714683534231309,1.0997483433673700
loyal,0.56266045243738842,310.25778609068446
EOF
	run agree "$TMP/gold.csv" "$TMP/out.csv" 1e-12
	assert_output "4 checked, 0 bad"
}

@test "--horizon: fields in the order given, H spelt as given" {
	run --separate-stderr flo-score $CDNOW --horizon 2.5,1e1,52 "$DATA/score_cdnow.csv"
	assert_success
	assert_line --index 0 "$SUMMARY,p_alive,exp_purchases_2.5,exp_purchases_1e1,exp_purchases_52,exp_avg_value,clv"
	echo "$output" > "$TMP/a.csv"
	run --separate-stderr flo-score $CDNOW --horizon 10 "$DATA/score_cdnow.csv"
	echo "$output" > "$TMP/b.csv"
	[ "$(column "$TMP/a.csv" exp_purchases_1e1)" = "$(column "$TMP/b.csv" exp_purchases_10)" ]
}

@test "pass-through: other fields keep their order and bytes; p_alive is replaced where it stands" {
	printf '%s\n' 'note,customer_id,p_alive,frequency,recency,T,clv,monetary,tail' \
		'"Smith, J",fhl,old,2,30.43,38.86,,22.345,"say ""hi"""' > "$TMP/in.csv"
	run flo-score $CDNOW "$TMP/in.csv"
	assert_success
	assert_line --index 0 "note,customer_id,p_alive,frequency,recency,T,clv,monetary,tail,exp_purchases_12,exp_purchases_24,exp_avg_value"
	# p_alive, clv and the rest as in the mpmath values of the first test
	assert_line --index 1 --regexp '^"Smith, J",fhl,0\.72657857008067[0-9]*,2,30\.43,38\.86,20\.59721068314[0-9]*,22\.345,"say ""hi""",0\.4241157941795[0-9]*,0\.8022901274965[0-9]*,24\.6596128608923[0-9]*$'
}

@test "JSON Lines: values keep their JSON kinds; ours are numbers, or null" {
	printf '%s\n' '{"id":"a","p_alive":"old","frequency":2,"recency":30.43,"T":38.86,"monetary":"22.345","flag":true,"n":null,"o":1.50,"s":"x\"y"}' > "$TMP/in.jsonl"
	run flo-score $CDNOW "$TMP/in.jsonl"
	assert_success
	num='-?[0-9][0-9.e+-]*'
	[ "$(echo "$output" | sed -E "s/\"(p_alive|exp_purchases_12|exp_purchases_24|exp_avg_value|clv)\":$num/\"\1\":N/g")" = \
	  '{"id":"a","p_alive":N,"frequency":2,"recency":30.43,"T":38.86,"monetary":"22.345","flag":true,"n":null,"o":1.50,"s":"x\"y","exp_purchases_12":N,"exp_purchases_24":N,"exp_avg_value":N,"clv":N}' ]
	run --separate-stderr flo-score --bgnbd 0.243,4.414,0.793,2.426 "$TMP/in.jsonl"
	assert_success
	[[ "$output" == *'"exp_avg_value":null,"clv":null}' ]]
}

@test "-o and -i: CSV, TSV and JSON Lines give the same scores" {
	run --separate-stderr flo-score $CDNOW "$DATA/score_cdnow.csv"
	csv="$output"
	run --separate-stderr flo-score $CDNOW -o jsonl "$DATA/score_cdnow.csv"
	assert_success
	assert_line --index 0 --regexp '^\{"customer_id":"fhl","frequency":2,"recency":30.43,"T":38.86,"monetary":22.345,"p_alive":0\.72657857008067[0-9]*,'
	echo "$output" | flo-cat -o csv > "$TMP/back.csv"
	[ "$(cat "$TMP/back.csv")" = "$csv" ]
	flo-cat -o tsv "$DATA/score_cdnow.csv" > "$TMP/in.tsv"
	run --separate-stderr flo-score $CDNOW -i tsv --output-format csv < "$TMP/in.tsv"
	assert_output "$csv"
	run --separate-stderr flo-score $CDNOW -o tsv "$DATA/score_cdnow.csv"
	assert_line --index 0 "$(printf 'customer_id\tfrequency\trecency\tT\tmonetary\tp_alive\texp_purchases_12\texp_purchases_24\texp_avg_value\tclv')"
	flo-cat -o jsonl "$DATA/score_cdnow.csv" > "$TMP/in.jsonl"
	run --separate-stderr flo-score $CDNOW --input-format jsonl -o csv < "$TMP/in.jsonl"
	assert_output "$csv"
}

@test "without a Gamma-Gamma model: exp_avg_value and clv empty, said once" {
	run --separate-stderr flo-score --bgnbd 0.243,4.414,0.793,2.426 "$DATA/score_cdnow.csv"
	assert_success
	[ "$stderr" = "flo-score: no Gamma-Gamma model: exp_avg_value and clv are left empty (null in JSON Lines)" ]
	[ "${#lines[@]}" -eq 9 ]
	[ "$(echo "$output" | tail -n +2 | grep -cv ',,$')" -eq 0 ]
}

@test "Gamma-Gamma q <= 1: customers with p x + q <= 1 have no value, counted and explained" {
	run --separate-stderr flo-score --bgnbd 0.243,4.414,0.793,2.426 --gg 0.2,0.47,9.1 "$DATA/score_cdnow.csv"
	assert_success
	# p x + q > 1 needs x >= 3: loyal, young and gone have a value
	# (free and refund, with monetary <= 0, have no value either: no note on them)
	[ "$stderr" = "flo-score: the Gamma-Gamma fit has q = 0.47 <= 1: the mean spend of a customer with few purchases (p frequency + q <= 1) does not exist; 5 customers have no exp_avg_value or clv" ]
	echo "$output" > "$TMP/out.csv"
	run awk -F, 'NR > 1 && ($9 == "") != ($2 < 3) { print "bad: " $0 }' "$TMP/out.csv"
	assert_output ""
	# young: 0.2 (9.1 + 3 * 30) / (0.2 * 3 + 0.47 - 1)
	run awk -F, '$1 == "young" { w = 0.2 * (9.1 + 3 * 30) / (0.6 + 0.47 - 1); d = ($9 - w) / w; print (d < 0 ? -d : d) < 1e-12 ? "ok" : "bad " $9 }' "$TMP/out.csv"
	assert_output "ok"
}

@test "monetary <= 0 with purchases: scored at monetary 0, counted on stderr" {
	run --separate-stderr flo-score $CDNOW "$DATA/score_cdnow.csv"
	assert_success
	[ "$stderr" = "flo-score: 2 customers with frequency > 0 and monetary <= 0 (returns, free orders) scored at monetary 0: the Gamma-Gamma model knows positive spend only" ]
	echo "$output" > "$TMP/out.csv"
	# free (x = 2, m = 0) and refund (x = 1, m = -5): p v / (p x + q - 1)
	run awk -F, '$1 == "free" || $1 == "refund" { w = 6.25 * 15.44 / (6.25 * $2 + 2.74); d = ($9 - w) / w; print $1, (d < 0 ? -d : d) < 1e-13 ? "ok" : "bad " $9 }' "$TMP/out.csv"
	assert_output "free ok
refund ok"
}

@test "bad records: the line, the field and the text; exit 65" {
	printf '%s\nfhl,2,30.43,38.86,22.345\nb,2,3,abc,1\n' "$SUMMARY" > "$TMP/in.csv"
	run --separate-stderr flo-score $CDNOW "$TMP/in.csv"
	assert_failure 65
	[ "$stderr" = "flo-score: $TMP/in.csv line 3: field \"T\" is not a number: \"abc\"" ]
	# the records before the bad one are written, as awk or jq would
	[ "${#lines[@]}" -eq 2 ]
	assert_line --index 1 --partial "fhl,2,30.43,38.86,22.345,0.72657857"
	printf '%s\nb,2,5,3,1\n' "$SUMMARY" | { run flo-score $CDNOW; assert_failure 65; assert_output "flo-score: input line 2: T 3 is less than recency 5: a customer's age is at least the time to the last purchase"; }
	printf '%s\nb,-1,5,6,1\n' "$SUMMARY" | { run flo-score $CDNOW; assert_failure 65; assert_output 'flo-score: input line 2: field "frequency" is not a whole number >= 0: "-1"'; }
	printf '%s\nb,1.5,5,6,1\n' "$SUMMARY" | { run flo-score $CDNOW; assert_failure 65; assert_output 'flo-score: input line 2: field "frequency" is not a whole number >= 0: "1.5"'; }
	printf '%s\nb,1,-5,6,1\n' "$SUMMARY" | { run flo-score $CDNOW; assert_failure 65; assert_output 'flo-score: input line 2: field "recency" is negative: "-5"'; }
	printf '%s\nb,1,5,6,1e400\n' "$SUMMARY" | { run flo-score $CDNOW; assert_failure 65; assert_output 'flo-score: input line 2: field "monetary" is out of range: "1e400"'; }
	printf '%s\nb,1,5,6,nan\n' "$SUMMARY" | { run flo-score $CDNOW; assert_failure 65; assert_output 'flo-score: input line 2: field "monetary" is not a number: "nan"'; }
	printf '%s\nb,,5,6,1\n' "$SUMMARY" | { run flo-score $CDNOW; assert_failure 65; assert_output 'flo-score: input line 2: field "frequency" is not a number: ""'; }
	# a monetary field named but absent (without a name: the BG/NBD alone, tested below)
	printf '{"frequency":1,"recency":2,"T":3}\n' | { run flo-score $CDNOW --monetary-field monetary; assert_failure 65; assert_output 'flo-score: input line 1: missing field "monetary"'; }
	printf '{"frequency":1,"recency":null,"T":3,"monetary":1}\n' | { run flo-score $CDNOW; assert_failure 65; assert_output 'flo-score: input line 1: missing field "recency"'; }
	printf '{"frequency":true,"recency":1,"T":3,"monetary":1}\n' | { run flo-score $CDNOW; assert_failure 65; assert_output 'flo-score: input line 1: field "frequency" is not a number: "true"'; }
	# CSV and TSV name their fields once: a missing one is the wrong input
	printf 'customer_id,frequency,recency,T\na,1,2,3\n' | { run flo-score $CDNOW --monetary-field monetary; assert_failure 65; assert_output 'flo-score: no field "monetary" in the input: flo-score reads RFM summaries (frequency, recency, T, monetary) as flo-rfm writes them'; }
	printf '%s\na,1,2,3,4,5\n' "$SUMMARY" | { run flo-score $CDNOW; assert_failure 65; assert_output 'flo-score: input line 2: 6 fields, the header has 5'; }
}

@test "bad records: --skip-bad counts them, --rejects keeps them verbatim with the header" {
	printf '%s\r\nfhl,2,30.43,38.86,22.345\r\nb,x,1,1,1\r\nc,1,2,1,4\r\nnew,0,0,38.86,0\r\n' "$SUMMARY" > "$TMP/in.csv"
	run --separate-stderr flo-score $CDNOW --skip-bad "$TMP/in.csv"
	assert_success
	[ "$stderr" = "flo-score: skipped 2 bad records" ]
	[ "${#lines[@]}" -eq 3 ]
	assert_line --index 1 --partial "fhl,2,30.43,38.86,22.345,0.72657857008067"
	assert_line --index 2 --partial "new,0,0,38.86,0,1,0.06474914524544"
	run --separate-stderr flo-score $CDNOW --rejects "$TMP/rej.csv" "$TMP/in.csv"
	assert_success
	[ "$stderr" = "flo-score: skipped 2 bad records, kept in $TMP/rej.csv" ]
	printf '%s\r\nb,x,1,1,1\r\nc,1,2,1,4\r\n' "$SUMMARY" > "$TMP/want.csv"
	cmp "$TMP/rej.csv" "$TMP/want.csv"
}

@test "time units: summaries in days against a model in weeks, and the reverse, stop with exit 65" {
	run flo-score $CDNOW "$DATA/score_cdnow.csv" --unit week
	assert_success
	flo-rfm --unit day "$DATA/orders_small.csv" > "$TMP/days.csv"
	run flo-score $CDNOW "$TMP/days.csv"
	assert_failure 65
	assert_output "flo-score: $TMP/days.csv line 2: recency 42 is in another time unit than the model (week): last_order - first_order is 42 days, 6 weeks"
	flo-rfm "$DATA/orders_small.csv" > "$TMP/weeks.csv"
	run flo-score $CDNOW --unit day "$TMP/weeks.csv"
	assert_failure 65
	assert_output "flo-score: $TMP/weeks.csv line 2: recency 6 is in another time unit than the model (day): last_order - first_order is 42 days"
	run flo-score $CDNOW --unit month "$TMP/weeks.csv"
	assert_failure 65
	assert_output --partial "is 42 days, 1.37988 months"
	# matching units pass, as do records with recency 0 and records without the dates
	flo-rfm --unit month "$DATA/orders_small.csv" > "$TMP/months.csv"
	run flo-score $CDNOW --unit month "$TMP/months.csv"
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	run flo-score $CDNOW "$TMP/weeks.csv"
	assert_success
	cut -d, -f1-5 "$TMP/days.csv" > "$TMP/nodates.csv"
	run flo-score $CDNOW "$TMP/nodates.csv"
	assert_success
}

@test "time units: --unit must be the model's" {
	run flo-score --model "$DATA/score_model.json" --unit day "$DATA/score_cdnow.csv"
	assert_failure 2
	assert_line --index 0 "flo-score: --unit day, but the model's unit is week: scoring would mix time units (summarise with flo-rfm --unit week)"
	sed 's/"week"/"day"/' "$DATA/score_model.json" > "$TMP/day.json"
	run flo-score --model "$TMP/day.json" --unit week "$DATA/score_cdnow.csv"
	assert_failure 2
	assert_line --index 0 "flo-score: --unit week, but the model's unit is day: scoring would mix time units (summarise with flo-rfm --unit day)"
	run flo-score --model "$TMP/day.json" --unit day "$DATA/score_cdnow.csv"
	assert_success
}

@test "--model FILE: the same scores as the parameters given inline" {
	run --separate-stderr flo-score $CDNOW "$DATA/score_cdnow.csv"
	inline="$output"
	run --separate-stderr flo-score --model "$DATA/score_model.json" "$DATA/score_cdnow.csv"
	assert_success
	assert_output "$inline"
	sed 's/"gamma_gamma": {/"gamma_gamma": null, "x": {/' "$DATA/score_model.json" > "$TMP/nogg.json"
	run --separate-stderr flo-score --model "$TMP/nogg.json" "$DATA/score_cdnow.csv"
	assert_success
	[ "$stderr" = "flo-score: no Gamma-Gamma model: exp_avg_value and clv are left empty (null in JSON Lines)" ]
}

@test "--model FILE: missing (66), not JSON, another format, invalid (65)" {
	run flo-score --model "$TMP/none.json" "$DATA/score_cdnow.csv"
	assert_failure 66
	assert_output "flo-score: cannot open model $TMP/none.json: No such file or directory"
	run flo-score --model "$TMP" "$DATA/score_cdnow.csv"
	assert_failure 66
	assert_output "flo-score: cannot read model $TMP: Is a directory"
	head -3 "$DATA/score_model.json" > "$TMP/m.json"
	run flo-score --model "$TMP/m.json" "$DATA/score_cdnow.csv"
	assert_failure 65
	assert_output --regexp "^flo-score: model $TMP/m.json: not JSON: byte [0-9]+ \(line 4, column 1\): "
	sed 's/flo-model 1/flo-model 2/' "$DATA/score_model.json" > "$TMP/m.json"
	run flo-score --model "$TMP/m.json" "$DATA/score_cdnow.csv"
	assert_failure 65
	assert_output "flo-score: model $TMP/m.json: model format \"flo-model 2\" is not the one this flo reads (\"flo-model 1\"): refit the model with this flo's flo-fit, or score with the flo that wrote it"
	run flo-score --model "$DATA/cdnow.csv" "$DATA/score_cdnow.csv"
	assert_failure 65
	assert_output --partial "flo-score: model $DATA/cdnow.csv: not JSON: "
	echo '{"format": "lifetimes 0.11"}' > "$TMP/m.json"
	run flo-score --model "$TMP/m.json" "$DATA/score_cdnow.csv"
	assert_failure 65
	assert_output "flo-score: model $TMP/m.json: not a flo model (format \"lifetimes 0.11\")"
	sed 's/"alpha": 4.414/"alpha": -4.414/' "$DATA/score_model.json" > "$TMP/m.json"
	run flo-score --model "$TMP/m.json" "$DATA/score_cdnow.csv"
	assert_failure 65
	assert_output "flo-score: model $TMP/m.json: bgnbd.params.alpha must be positive, is -4.414"
	sed 's/"q": 3.74, //' "$DATA/score_model.json" > "$TMP/m.json"
	run flo-score --model "$TMP/m.json" "$DATA/score_cdnow.csv"
	assert_failure 65
	assert_output "flo-score: model $TMP/m.json: gamma_gamma.params.q is missing"
	sed 's/"week"/"fortnight"/' "$DATA/score_model.json" > "$TMP/m.json"
	run flo-score --model "$TMP/m.json" "$DATA/score_cdnow.csv"
	assert_failure 65
	assert_output "flo-score: model $TMP/m.json: unit \"fortnight\" is not day, week or month"
}

@test "no model given and none stored: say so, exit 2" {
	run flo-score "$DATA/score_cdnow.csv"
	assert_failure 2
	assert_line --index 0 "flo-score: no model: fit one with flo-fit, or give --model FILE, --bgnbd r,alpha,a,b or --pnbd r,alpha,s,beta ($TMP/flo.lmdb: no such store)"
	cd "$TMP"
	run env -u FLO_DB flo-score "$DATA/score_cdnow.csv"
	assert_failure 2
	assert_line --index 0 "flo-score: no model: fit one with flo-fit, or give --model FILE, --bgnbd r,alpha,a,b or --pnbd r,alpha,s,beta (flo.lmdb: no such store)"
	run flo-score --db "$TMP/other.lmdb" "$DATA/score_cdnow.csv"
	assert_failure 2
	assert_line --index 0 --partial "($TMP/other.lmdb: no such store)"
}

@test "a store that is not a flo store: exit 74 with the store's words" {
	echo x > "$TMP/file"
	run flo-score --db "$TMP/file" "$DATA/score_cdnow.csv"
	assert_failure 74
	assert_output "flo-score: $TMP/file: not a directory (a store is a directory)"
	mkdir "$TMP/junk.lmdb"
	head -c 20000 "$DATA/cdnow.csv" > "$TMP/junk.lmdb/data.mdb"
	FLO_DB="$TMP/junk.lmdb" run flo-score "$DATA/score_cdnow.csv"
	assert_failure 74
	assert_output --partial "flo-score: $TMP/junk.lmdb/data.mdb: not an LMDB file"
}

# make_store DIR FORMAT [NAME JSON]: a store written by LMDB's own mdb_load,
# not by flo's code, with the meta record FORMAT and one model.
make_store() {
	command -v mdb_load > /dev/null || skip "mdb_load (lmdb-utils) is not installed"
	mkdir -p "$1"
	for db in meta models cuts customers; do
		{
			printf 'VERSION=3\nformat=print\ntype=btree\nHEADER=END\n'
			if [ "$db" = meta ]; then printf ' format\n %s\n' "$2"; fi
			if [ "$db" = models ] && [ $# -ge 4 ]; then printf ' %s\n %s\n' "$3" "$4"; fi
			printf 'DATA=END\n'
		} | mdb_load -s "$db" "$1"
	done
}

MODEL_JSON='{"format": "flo-model 1", "unit": "week", "bgnbd": {"params": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}}, "gamma_gamma": {"params": {"p": 6.25, "q": 3.74, "v": 15.44}}}'

@test "the store: the model under --name (default: default) from --db or \$FLO_DB" {
	make_store "$TMP/s.lmdb" "flo-store 2" cdnow "$MODEL_JSON"
	run --separate-stderr flo-score $CDNOW "$DATA/score_cdnow.csv"
	inline="$output"
	run --separate-stderr flo-score --db "$TMP/s.lmdb" --name cdnow "$DATA/score_cdnow.csv"
	assert_success
	assert_output "$inline"
	FLO_DB="$TMP/s.lmdb" run --separate-stderr flo-score --name cdnow "$DATA/score_cdnow.csv"
	assert_output "$inline"
	run flo-score --db "$TMP/s.lmdb" "$DATA/score_cdnow.csv"
	assert_failure 2
	assert_line --index 0 "flo-score: no model: fit one with flo-fit, or give --model FILE, --bgnbd r,alpha,a,b or --pnbd r,alpha,s,beta ($TMP/s.lmdb: no model \"default\" in the store)"
	make_store "$TMP/bad.lmdb" "flo-store 2" default '{"format": "flo-model 1", "unit": "week", "bgnbd": {}}'
	run flo-score --db "$TMP/bad.lmdb" "$DATA/score_cdnow.csv"
	assert_failure 65
	assert_output "flo-score: model \"default\" in $TMP/bad.lmdb: bgnbd has no \"params\" object"
}

@test "the store: another store or model format is refused with exit 74" {
	make_store "$TMP/v4.lmdb" "flo-store 4"
	run flo-score --db "$TMP/v4.lmdb" "$DATA/score_cdnow.csv"
	assert_failure 74
	assert_output "flo-score: $TMP/v4.lmdb: store format 4 is newer than this flo reads (3): upgrade flo"
	make_store "$TMP/m2.lmdb" "flo-store 2" default '{"format": "flo-model 2"}'
	run flo-score --db "$TMP/m2.lmdb" "$DATA/score_cdnow.csv"
	assert_failure 74
	assert_output --partial "flo-score: model \"default\" in $TMP/m2.lmdb: model format \"flo-model 2\" is not the one this flo reads"
	make_store "$TMP/other.lmdb" "something else"
	run flo-score --db "$TMP/other.lmdb" "$DATA/score_cdnow.csv"
	assert_failure 74
	assert_output "flo-score: $TMP/other.lmdb: not a flo store (format \"something else\")"
}

@test "the store: what flo-fit stores scores as its model document" {
	command -v flo-fit > /dev/null || skip "flo-fit is not built"
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2> /dev/null > "$TMP/cdnow.csv"
	flo-fit "$TMP/cdnow.csv" > "$TMP/model.json" 2> /dev/null
	run flo-score --model "$TMP/model.json" "$TMP/cdnow.csv"
	assert_success
	[ "${#lines[@]}" -eq 2358 ]
	from_file="$output"
	run flo-score "$TMP/cdnow.csv"
	assert_success
	assert_output "$from_file"
}

@test "usage: --help, --version, and bad options exit 2" {
	run flo-score --help
	assert_success
	assert_line --index 0 "usage: flo-score [options] [file...]"
	for opt in --model --bgnbd --gg --db --name --unit --horizon --clv-months --discount \
		--input-format --output-format --flush --skip-bad --rejects --help --version \
		p_alive exp_purchases_H exp_avg_value clv FLO_DB \
		"0 success" "2 usage" "65 bad" "66 unreadable" "70 internal" "74 write"; do
		[[ "$output" == *"$opt"* ]] || { echo "--help does not mention $opt"; false; }
	done
	run flo-score -V
	assert_success
	assert_output --regexp '^flo-score \(flo\) [0-9]+\.[0-9]+\.[0-9]+$'
	usage() { run flo-score "$@"; assert_failure 2; assert_line --index 0 "$msg"; assert_line --index 1 "Try 'flo-score --help' for more information."; }
	msg="flo-score: unknown option --bogus" usage --bogus
	msg="flo-score: option --horizon needs a value" usage --horizon
	msg='flo-score: option --horizon: not a number: "12x"' usage $CDNOW --horizon 12x
	msg='flo-score: option --horizon: must be 0 or more: "-1"' usage $CDNOW --horizon 12,-1
	msg='flo-score: option --horizon: must be 0 or more: "-0.5"' usage $CDNOW --horizon -0.5
	msg='flo-score: option --horizon: not a number: ""' usage $CDNOW --horizon 12,
	msg='flo-score: option --horizon: not a number: "inf"' usage $CDNOW --horizon inf
	msg='flo-score: option --horizon: 12 given twice' usage $CDNOW --horizon 12,24,12
	msg='flo-score: option --bgnbd: expected four numbers r,alpha,a,b, got 3: "1,2,3"' usage --bgnbd 1,2,3
	msg='flo-score: option --bgnbd: expected four numbers r,alpha,a,b, got 5: "1,2,3,4,5"' usage --bgnbd 1,2,3,4,5
	msg='flo-score: option --bgnbd: not a number: "x"' usage --bgnbd 1,2,3,x
	msg='flo-score: option --bgnbd: must be positive: "0"' usage --bgnbd 0,2,3,4
	msg='flo-score: option --bgnbd: not a number: ""' usage --bgnbd 1,,3,4
	msg='flo-score: option --gg: expected three numbers p,q,v, got 2: "1,2"' usage --bgnbd 1,2,3,4 --gg 1,2
	msg='flo-score: option --gg: must be positive: "-2"' usage --bgnbd 1,2,3,4 --gg 1,-2,3
	msg="flo-score: --gg needs --bgnbd or --pnbd (a model file or a stored model has its own Gamma-Gamma model)" usage --gg 1,2,3
	msg="flo-score: --model and --bgnbd each give the model: use one" usage --model "$DATA/score_model.json" --bgnbd 1,2,3,4
	msg="flo-score: --db and --name choose a stored model: not with --model, --bgnbd or --pnbd" usage --model "$DATA/score_model.json" --db x
	msg="flo-score: --db and --name choose a stored model: not with --model, --bgnbd or --pnbd" usage --bgnbd 1,2,3,4 --name x
	msg="flo-score: option --name: empty name" usage --name ''
	msg='flo-score: option --unit: expected day, week or month: "fortnight"' usage $CDNOW --unit fortnight
	msg='flo-score: option --clv-months: expected a whole number from 0 to 1200: "1.5"' usage $CDNOW --clv-months 1.5
	msg='flo-score: option --clv-months: expected a whole number from 0 to 1200: "-1"' usage $CDNOW --clv-months -1
	msg='flo-score: option --discount: not a number: "1%"' usage $CDNOW --discount 1%
	msg='flo-score: option --discount: a monthly rate must be more than -1 (0.01 is 1%): "-1"' usage $CDNOW --discount -1
	msg='flo-score: option --output-format: unknown format "xml" (csv, tsv, jsonl)' usage $CDNOW -o xml
}

@test "empty input and a header alone give no output" {
	run flo-score $CDNOW < /dev/null
	assert_success
	assert_output ""
	printf '%s\n' "$SUMMARY" | { run flo-score $CDNOW; assert_success; assert_output ""; }
}

@test "output errors: /dev/full is exit 74; a closed pipe ends quietly" {
	head -7 "$DATA/score_cdnow.csv" > "$TMP/in.csv"
	run bash -c 'flo-score $1 "$2" > /dev/full' _ "$CDNOW" "$TMP/in.csv"
	assert_failure 74
	assert_output "flo-score: write error: No space left on device"
	flo-rfm --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv" > "$TMP/flo.csv"
	run --separate-stderr bash -c 'flo-score $1 "$2" | head -1' _ "$CDNOW" "$TMP/flo.csv"
	assert_success
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order,$ADDED"
	[ "$stderr" = "" ]
}

@test "streaming: each record comes out as soon as it is in, before the input ends" {
	mkfifo "$TMP/in" "$TMP/out"
	flo-score $CDNOW < "$TMP/in" > "$TMP/out" 2> "$TMP/err" &
	pid=$!
	# (bats keeps fd 3 for itself)
	exec 7> "$TMP/in" 8< "$TMP/out"
	printf '%s\nfhl,2,30.43,38.86,22.345\n' "$SUMMARY" >&7
	read -r -t 10 -u 8 header
	read -r -t 10 -u 8 first
	printf 'new,0,0,38.86,0\n' >&7
	read -r -t 10 -u 8 second
	exec 7>&- 8<&-
	wait "$pid"
	[ "$header" = "$SUMMARY,$ADDED" ]
	[[ "$first" == fhl,2,30.43,38.86,22.345,0.72657857008067* ]]
	[[ "$second" == new,0,0,38.86,0,1,0.06474914524544* ]]
}

@test "--flush: one write per record, for input from a regular file" {
	command -v strace > /dev/null || skip "strace is not installed"
	# (LeakSanitizer cannot run under ptrace: the asan build's leak check is off here)
	export ASAN_OPTIONS=detect_leaks=0
	run strace -f -e trace=write -o "$TMP/trace" flo-score $CDNOW --flush "$DATA/score_cdnow.csv"
	assert_success
	[ "$(grep -c '^[0-9]* *write(1,' "$TMP/trace")" -eq 8 ]
	run strace -f -e trace=write -o "$TMP/trace" flo-score $CDNOW "$DATA/score_cdnow.csv"
	[ "$(grep -c '^[0-9]* *write(1,' "$TMP/trace")" -eq 1 ]
}

# finite_scores FILE: every added field of every record is a finite number
# (exp_avg_value and clv may be empty); prints "N records, M bad".
finite_scores() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^(p_alive|exp_purchases_.*|exp_avg_value|clv)$/) c[i] = $i ~ /^(exp_avg_value|clv)$/; next }
	  { n++; for (i in c) if (!($i == "" && c[i]) && $i !~ /^-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?$/) { bad++; print "bad: " $0; break } }
	  END { print n " records, " bad + 0 " bad" }' "$1"
}

@test "FLO: every one of the 19,945 customers scored, every number finite" {
	flo-rfm --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv" | flo-score $CDNOW > "$TMP/out.csv"
	run finite_scores "$TMP/out.csv"
	assert_output "19945 records, 0 bad"
	# the seed notebook's penalised fit, at the boundary (a, b -> 0), q < 1
	flo-rfm --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv" |
		flo-score --bgnbd 2.725321740632131,72.66677564237696,8.110876565036794e-23,6.699991154257477e-14 \
			--gg 3.8,0.47,9.1 --horizon 1,12,52,520 --clv-months 24 > "$TMP/out.csv"
	run finite_scores "$TMP/out.csv"
	assert_output "19945 records, 0 bad"
}

@test "FLO: every customer finite under the Pareto/NBD and the MBG/NBD too (issue 17)" {
	flo-rfm --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv" > "$TMP/s.csv"
	# the published CDNOW fit, then alpha << beta and alpha >> beta (the
	# hypergeometric function's two sides) with extreme shapes
	for pnbd in 0.55,10.58,0.61,11.67 1e-3,1e3,1e3,1e-3 50,0.01,0.01,50; do
		flo-score --pnbd "$pnbd" --gg 6.25,3.74,15.44 --horizon 1,12,520 "$TMP/s.csv" > "$TMP/out.csv"
		run finite_scores "$TMP/out.csv"
		assert_output "19945 records, 0 bad"
	done
	flo-score --fit --fit-model mbgnbd --horizon 1,12,520 "$TMP/s.csv" > "$TMP/out.csv" 2>/dev/null
	run finite_scores "$TMP/out.csv"
	assert_output "19945 records, 0 bad"
}

@test "a score beyond a double is a bad record (65): never inf in the output" {
	printf '%s\na,100,51,52,1e307\n' "$SUMMARY" > "$TMP/in.csv"
	run --separate-stderr flo-score $CDNOW --clv-months 1200 --discount 0 "$TMP/in.csv"
	assert_failure 65
	assert_output ""
	[[ "$stderr" == "flo-score: $TMP/in.csv line 2: "*" overflows a double for frequency 100, recency 51, T 52, monetary 1e+307: values too large to score" ]]
}

@test "extreme histories and parameters: finite scores, no failure" {
	printf '%s\n%s\n' "$SUMMARY" a,1000000,50,52,1e6 b,0,0,1e9,0 c,3,0,0,1 d,1e15,1,1,1 \
		e,5,1e-300,1e-300,1e-300 f,2,1e300,1e300,1e300 > "$TMP/in.csv"
	for model in "$CDNOW" "--bgnbd 1e-8,1e8,1e8,1e-8 --gg 1e-8,1e8,1e-8" "--bgnbd 1e6,1e-6,1e-6,1e6 --gg 1e6,1e-6,1e6"; do
		run --separate-stderr flo-score $model --horizon 1e-300,12,1e6 "$TMP/in.csv"
		assert_success
		echo "$output" > "$TMP/out.csv"
		run finite_scores "$TMP/out.csv"
		assert_output "6 records, 0 bad"
	done
}

@test "--fit: fits on its own input (file or pipe) and scores as flo-fit's model does" {
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/s.csv"
	flo-fit --no-store --model-out "$TMP/m.json" "$TMP/s.csv" > /dev/null 2>&1
	flo-score --model "$TMP/m.json" "$TMP/s.csv" > "$TMP/want.csv"
	run --separate-stderr flo-score --fit --model-out "$TMP/fit.json" "$TMP/s.csv"
	assert_success
	[ "$output" = "$(cat "$TMP/want.csv")" ]
	[ "$(jq -c .bgnbd.params "$TMP/fit.json")" = "$(jq -c .bgnbd.params "$TMP/m.json")" ]
	run --separate-stderr bash -c 'cat "$1" | flo-score --fit' _ "$TMP/s.csv"
	assert_success
	[ "$output" = "$(cat "$TMP/want.csv")" ]
	# the penalizers are flo-fit's
	run --separate-stderr flo-score --fit --penalizer 0.1 --model-out "$TMP/pen.json" "$TMP/s.csv"
	assert_success
	[ "$(jq .bgnbd.penalizer "$TMP/pen.json")" = 0.1 ]
}

@test "--fit: option conflicts are usage errors" {
	run flo-score --fit --bgnbd 1,1,1,1
	assert_failure 2
	assert_line --index 0 "flo-score: --fit makes the model: not with --model, --bgnbd, --pnbd, --db or --name"
	run flo-score --penalizer 0.1 --bgnbd 1,1,1,1
	assert_failure 2
	assert_line --index 0 "flo-score: --penalizer, --gg-penalizer, --model-out and --fit-model go with --fit"
	run flo-score --fit --penalizer -1
	assert_failure 2
}

@test "input fields copied as text (CSV, TSV) give the bytes that field by field does" {
	# plain lines, quoted fields, CRLF, a carriage return inside a field, an
	# empty field: each record alone (written field by field, as a first
	# record is) against all in one run (where plain ones are copied)
	printf '%s,note\r\n' "$SUMMARY" > "$TMP/in.csv"
	printf '%s\r\n' 'a,2,30,39,10.5,x' 'b,0,0,39,0,"quoted, with comma"' 'c,1,5,20,7,' \
		'd,3,10,12,2,"say ""hi"""' 'e,1,1,2,3,plain' > "$TMP/rows"
	printf 'f,1,1,2,3,in\rside\r\n' >> "$TMP/rows"
	cat "$TMP/rows" >> "$TMP/in.csv"
	flo-score $CDNOW "$TMP/in.csv" > "$TMP/all.csv"
	: > "$TMP/each.csv"
	while IFS= read -r row; do
		{ head -1 "$TMP/in.csv"; printf '%s\n' "$row"; } > "$TMP/one.csv"
		flo-score $CDNOW "$TMP/one.csv" | tail -n +2 >> "$TMP/each.csv"
	done < "$TMP/rows"
	[ "$(tail -n +2 "$TMP/all.csv" | wc -l)" = 6 ]
	tail -n +2 "$TMP/all.csv" | cmp - "$TMP/each.csv"
	grep -q $'^f,1,1,2,3,"in\rside",' "$TMP/all.csv"
	# TSV the same way; and from CSV to TSV or JSON Lines nothing is copied
	flo-cat -o tsv "$TMP/in.csv" > "$TMP/in.tsv"
	flo-score $CDNOW "$TMP/in.tsv" | flo-cat -o csv | cmp - "$TMP/all.csv"
	flo-score $CDNOW -o tsv "$TMP/in.csv" | cmp - <(flo-score $CDNOW "$TMP/in.tsv")
	flo-score $CDNOW -o jsonl "$TMP/in.csv" | flo-cat -o csv | cmp - "$TMP/all.csv"
	# an input field named like an added one is replaced, never copied
	printf '%s,p_alive\n%s\n%s\n' "$SUMMARY" a,2,30,39,10.5,old b,0,0,39,0,old > "$TMP/p.csv"
	run flo-score $CDNOW "$TMP/p.csv"
	refute_output --partial old
	assert_equal "$(head -1 <<< "$output")" "$SUMMARY,p_alive,exp_purchases_12,exp_purchases_24,exp_avg_value,clv"
}

@test "--horizon 0: nothing is expected in no time, for every customer (as lifetimes gives 0)" {
	run --separate-stderr flo-score $CDNOW --horizon 0,12 "$DATA/score_cdnow.csv"
	assert_success
	run awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		     { if ($c["exp_purchases_0"] != "0") bad++; n++ } END { print n, bad + 0 }' <<< "$output"
	assert_output --regexp '^[1-9][0-9]* 0$'
	# the other horizon as without it
	[ "$(flo-score $CDNOW --horizon 0,12 "$DATA/score_cdnow.csv" 2>/dev/null | cut -d, -f7 --complement)" = \
	  "$(flo-score $CDNOW --horizon 12 "$DATA/score_cdnow.csv" 2>/dev/null)" ]
}

# scripts/golden/pmf_golden.py: Fader & Hardie's conditional PMF of the
# BG/NBD (2006 note, eq. 13) as printed, mpmath at 40 digits.
@test "--pmf: the conditional probabilities of n purchases against the note's formula (mpmath)" {
	printf '%s\nnew,0,0,38.86,0\nfhl,2,30.43,38.86,22.345\n' "$SUMMARY" > "$TMP/in.csv"
	run --separate-stderr flo-score $CDNOW --horizon 39 --pmf 3 "$TMP/in.csv"
	assert_success
	assert_line --index 0 "$SUMMARY,p_alive,exp_purchases_39,exp_avg_value,clv,p_purchases_39_0,p_purchases_39_1,p_purchases_39_2,p_purchases_39_3"
	echo "$output" > "$TMP/out.csv"
	cat > "$TMP/gold.csv" <<-EOF
	customer_id,p_purchases_39_0,p_purchases_39_1,p_purchases_39_2,p_purchases_39_3
	new,0.85544945921668155094,0.10987298880071779428,0.024284119334841767481,0.010393432647758887299
	fhl,0.44537286208299556377,0.23931893743502776276,0.14418322186458468753,0.17112497861739198594
	EOF
	run agree "$TMP/gold.csv" "$TMP/out.csv" 1e-12
	assert_output "2 checked, 0 bad"
}

@test "--pmf: with N = 100 the probabilities sum to 1 and their mean is exp_purchases (to the tail left out); fields per horizon" {
	run --separate-stderr flo-score $CDNOW --horizon 39 --pmf 100 -o jsonl "$DATA/score_cdnow.csv"
	assert_success
	echo "$output" | jq -e -s 'length > 3 and all(.[]; . as $r
		| [range(0; 101) | $r["p_purchases_39_\(.)"]] as $p
		| ([range(0; 101) | . * $p[.]] | add) as $m
		| (($p | add) - 1 | fabs) < 1e-12
		  and (($m - $r.exp_purchases_39) | fabs) <= 1e-8 * $r.exp_purchases_39 + 1e-15)'
	printf '%s\nfhl,2,30.43,38.86,22.345\n' "$SUMMARY" | {
		run --separate-stderr flo-score $CDNOW --horizon 12,0 --pmf 1
		assert_success
		assert_line --index 0 "$SUMMARY,p_alive,exp_purchases_12,exp_purchases_0,exp_avg_value,clv,p_purchases_12_0,p_purchases_12_1,p_purchases_0_0,p_purchases_0_1"
		assert_line --index 1 --regexp ',1,0$'
	}
	run flo-score $CDNOW --pmf 0 "$DATA/score_cdnow.csv"
	assert_failure 2
	run flo-score $CDNOW --pmf 2x "$DATA/score_cdnow.csv"
	assert_failure 2
}

# scripts/golden/pnbd_pmf.py: Fader & Hardie's conditional PMF of the
# Pareto/NBD (2014 note; P(X(t) = x) of the 2006 note as printed, hyp2f1).
@test "--pmf with a Pareto/NBD model: the conditional probabilities against the notes' formulas (mpmath); --pnbd inline is the same model" {
	printf '%s\nnew,0,0,38.86,0\nfhl,2,30.43,38.86,22.345\n' "$SUMMARY" > "$TMP/in.csv"
	run --separate-stderr flo-score --model "$DATA/score_model_pnbd.json" --horizon 39 --pmf 4 "$TMP/in.csv"
	assert_success
	assert_line --index 0 "$SUMMARY,p_alive,exp_purchases_39,exp_avg_value,clv,p_purchases_39_0,p_purchases_39_1,p_purchases_39_2,p_purchases_39_3,p_purchases_39_4"
	echo "$output" > "$TMP/out.csv"
	cat > "$TMP/gold.csv" <<-EOF
	customer_id,p_purchases_39_0,p_purchases_39_1,p_purchases_39_2,p_purchases_39_3,p_purchases_39_4
	new,0.93146178375408422,0.045450605323520103,0.014499932375420384,0.0052428629292534817,0.0033448156177218102
	fhl,0.40939360423352464,0.21915137418011307,0.15143199508709336,0.095353076268072525,0.1246699502311964
	EOF
	run agree "$TMP/gold.csv" "$TMP/out.csv" 1e-11
	assert_output "2 checked, 0 bad"
	run --separate-stderr flo-score --pnbd 0.55,10.58,0.61,11.67 --gg 6.25,3.74,15.44 --horizon 39 --pmf 4 "$TMP/in.csv"
	[ "$output" = "$(cat "$TMP/out.csv")" ]
	# sums to 1, mean exp_purchases, for every CDNOW test customer
	run --separate-stderr flo-score --model "$DATA/score_model_pnbd.json" --horizon 39 --pmf 100 -o jsonl "$DATA/score_cdnow.csv"
	assert_success
	echo "$output" | jq -e -s 'length > 3 and all(.[]; . as $r
		| [range(0; 101) | $r["p_purchases_39_\(.)"]] as $p
		| ([range(0; 101) | . * $p[.]] | add) as $m
		| (($p | add) - 1 | fabs) < 1e-12
		  and (($m - $r.exp_purchases_39) | fabs) <= 1e-8 * $r.exp_purchases_39 + 1e-15)'
}

@test "--pnbd and --fit-model pnbd: what-if Pareto/NBD parameters, and a Pareto/NBD fitted on the input as flo-fit --model pnbd fits it" {
	run --separate-stderr flo-score --pnbd 0.55,10.58,0.61 "$DATA/score_cdnow.csv"
	assert_failure 2
	[[ "$stderr" == 'flo-score: option --pnbd: expected four numbers r,alpha,s,beta, got 3: "0.55,10.58,0.61"'* ]]
	run --separate-stderr flo-score --pnbd 1,2,3,4 --bgnbd 1,2,3,4 "$DATA/score_cdnow.csv"
	assert_failure 2
	[[ "$stderr" == "flo-score: --bgnbd and --pnbd each give the model: use one"* ]]
	run --separate-stderr flo-score --fit-model pnbd "$DATA/score_cdnow.csv"
	assert_failure 2
	run --separate-stderr flo-score --fit --fit-model nbd "$DATA/score_cdnow.csv"
	assert_failure 2
	# the Pareto/NBD's scores with the published parameters given inline
	flo-score --pnbd 0.55,10.58,0.61,11.67 --gg 6.25,3.74,15.44 --horizon 12,24,39 "$DATA/score_cdnow.csv" 2>/dev/null > "$TMP/a.csv"
	flo-score --model "$DATA/score_model_pnbd.json" --horizon 12,24,39 "$DATA/score_cdnow.csv" 2>/dev/null > "$TMP/b.csv"
	cmp "$TMP/a.csv" "$TMP/b.csv"
	# --fit --fit-model pnbd: flo-fit --model pnbd's model, then its scores
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/s.csv"
	flo-score --fit --fit-model pnbd --model-out "$TMP/fit.json" "$TMP/s.csv" 2>/dev/null > "$TMP/c.csv"
	flo-fit --no-store --model pnbd --model-out "$TMP/m.json" "$TMP/s.csv" > /dev/null 2>&1
	flo-score --model "$TMP/m.json" "$TMP/s.csv" 2>/dev/null > "$TMP/d.csv"
	cmp "$TMP/c.csv" "$TMP/d.csv"
	jq -e '.family == "pnbd" and (.pnbd.params.r - 0.55 | fabs) < 0.01' "$TMP/fit.json"
}

# FHS10's donations estimates (Table 2), without a Gamma-Gamma model.
bgbb_model() {
	printf '%s\n' '{"format": "flo-model 1", "unit": "week", "family": "bgbb",' \
		'"bgbb": {"params": {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}},' \
		'"gamma_gamma": null}' > "$TMP/bgbb.json"
}

@test "BG/BB: records that are not whole periods are bad records (65) naming the line, field and text; never a long loop" {
	bgbb_model
	bb() { printf 'customer_id,frequency,recency,periods\n%s\n' "$1" |
		timeout 10 flo-score --model "$TMP/bgbb.json" --T-field periods 2>&1; }
	run bb a,3,5,6.5
	assert_failure 65
	assert_line --index 1 'flo-score: input line 2: field "periods" is not a whole number of periods, as the BG/BB needs (flo-rfm --occasion day|week|month writes them): "6.5"'
	run bb a,3,5.25,6
	assert_failure 65
	assert_line --index 1 'flo-score: input line 2: field "recency" is not a whole number of periods, as the BG/BB needs (flo-rfm --occasion day|week|month writes them): "5.25"'
	# the BG/NBD's check comes first for the frequency
	run bb a,1.5,5,6
	assert_failure 65
	assert_line --index 1 'flo-score: input line 2: field "frequency" is not a whole number >= 0: "1.5"'
	# a huge T used to sum its periods one by one, for days
	run bb a,3,5,1e15
	assert_failure 65
	assert_line --index 1 'flo-score: input line 2: field "periods" is more than 3000000 periods, beyond any two dates flo reads (the BG/BB'"'"'s limit): "1e15"'
	run bb a,3,5,3000001
	assert_failure 65
	run bb a,5,3,6
	assert_failure 65
	assert_line --index 1 'flo-score: input line 2: field "frequency" is more than recency: the BG/BB'"'"'s x purchases take x periods at least: "5"'
	run bb a,0,2,6
	assert_failure 65
	assert_line --index 1 'flo-score: input line 2: field "recency" is more than 0 with frequency 0: the BG/BB'"'"'s recency is the period of the last repeat purchase: "2"'
	# at the limit: scored, finite, in well under a second
	run bb a,2,3,3000000
	assert_success
	assert_line --index 2 --regexp '^a,2,3,3000000,[0-9.e-]+,[0-9.e-]+,[0-9.e-]+,,$'
	# --skip-bad and --rejects as for any bad record; the BG/NBD scores the same records
	printf 'customer_id,frequency,recency,periods\na,3,5,6\nb,3,5,6.5\nc,5,3,6\nd,1,1,1e15\n' > "$TMP/in.csv"
	run --separate-stderr flo-score --model "$TMP/bgbb.json" --T-field periods --rejects "$TMP/rej.csv" "$TMP/in.csv"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[[ "$stderr" == *"flo-score: skipped 3 bad records, kept in $TMP/rej.csv" ]]
	[ "$(tail -n +2 "$TMP/rej.csv" | cut -d, -f1 | tr -d '\n')" = bcd ]
	run --separate-stderr flo-score $CDNOW --T-field periods "$TMP/in.csv"
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	# a horizon is counted a period at a time: at most 3000000
	run --separate-stderr flo-score --model "$TMP/bgbb.json" --horizon 12,1e9 "$TMP/in.csv"
	assert_failure 2
	[[ "$stderr" == *"flo-score: --horizon 1e9: the BG/BB counts a horizon a period at a time, up to 3000000 periods"* ]]
}

# scripts/golden/score_bgbb.py: FHS10's eqs. (11) and (13) with mpmath, the
# CLV over whole periods, and P(n) from the model's story in Beta functions
# (cross-checked there: sums to 1, mean eq. 13).
@test "BG/BB: P(alive), expected purchases, CLV and P(n) against the mpmath values of scripts/golden/score_bgbb.py" {
	printf '%s\n' '{"format": "flo-model 1", "unit": "week", "family": "bgbb",' \
		'"bgbb": {"params": {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}},' \
		'"gamma_gamma": {"params": {"p": 6.25, "q": 3.74, "v": 15.44}}}' > "$TMP/bgbb.json"
	printf '%s\n' customer_id,frequency,recency,periods,monetary d0,0,0,6,0 d1,1,1,6,25 d3,3,5,6,40 \
		d6,6,6,6,55.5 long,10,40,100,12 many,300,4000,5000,30 > "$TMP/in.csv"
	run --separate-stderr flo-score --model "$TMP/bgbb.json" --T-field periods --horizon 10 --pmf 3 "$TMP/in.csv"
	assert_success
	[ "${#lines[@]}" -eq 7 ]
	echo "$output" > "$TMP/out.csv"
	cat > "$TMP/gold.csv" <<'EOF'
customer_id,p_alive,exp_purchases_10,exp_avg_value,clv,p_purchases_10_0,p_purchases_10_1,p_purchases_10_2,p_purchases_10_3
d0,0.10801658416867420,0.13010379141284864,35.218978102189781,9.0339052239597305,0.93854942758351252,0.027551452397625953,0.015685848607619994,0.018213271411241535
d1,0.069408093206549674,0.15303639621560027,28.114571746384872,8.4827179980352164,0.94580970163025693,0.015664859514256751,0.012520309033067465,0.026005129822418858
d3,0.76673404999572513,3.2246344106065112,39.390414146114472,250.42625437593430,0.28351626861868087,0.090874513298154218,0.088543482759568756,0.53706573532359615
d6,0.93040254237288136,6.7052908250144918,54.119035785288270,715.44540073212831,0.076382479470113395,0.063279214059114003,0.053720987135133522,0.80661731933563908
long,0.00016158861153658383,0.00017274911210783210,12.975168608215819,0.0053811387074352202,0.99989382271773682,0.000058981219209596859,0.000032142481488676530,0.000015053581564907009
many,0.00000000000000000000000000024390882173490250,0.00000000000000000000000000014678853290295194,30.007615537827388,0.000000000000000000000000011042186426795293,1.0000000000000000,0.000000000000000000000000000083835403664606600,0.000000000000000000000000000024204200141019085,4.6650801411541721e-30
EOF
	# issue 17's 1e-10 (the row of n = 5000, whose likelihood is e^-1082, is
	# within 5e-12; the others within 5e-14)
	run agree "$TMP/gold.csv" "$TMP/out.csv" 1e-10
	assert_output "6 checked, 0 bad"
}
