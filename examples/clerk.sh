#!/usr/bin/env bash
# A clerk's week, typed the way the bureau's clerk would: the hand-over visit, aid, a quarter's
# visits, income, an escalated problem, a status change, a correction — then the director's view.
# Usage: examples/clerk.sh [DB]   (default: a fresh clerk-demo.db in a temporary folder)
set -euo pipefail
DB=${1:-$(mktemp -d)/clerk-demo.db}
export AIDTRACK_DB=$DB AIDTRACK_OPERATOR=办公室王会计
a() { echo "\$ aidtrack $*" >&2; aidtrack "$@"; }

a init
a cadre add 吴振国 --code C01 --title 局长 --unit 市直某局
a household add 刘香福 --code H01 --members 3 --tag 4050 --employer 木材公司 \
  --address 六道街12号 --born 1952-03-04 --gender male --enrolled 2003-07-01
a pair add C01 H01 --since 2003-07-08
a visit add H01 --date 2003-07-08 --kind initial --situation "三口人靠打零工度日" --solved "送米、面、油"
a aid add H01 --kind goods --value 100 --date 2003-07-08 --giver 局党委 --note 米面油
a aid add H01 --kind funds --value 700 --date 2003-07-22 --giver C01 --note 买三轮车
a visit add H01 --date 2003-07-22 --situation "商定蹬三轮车跑运输" --problem "冬季三轮车无棚" --escalate
for m in 07 08 09; do a income add H01 --month 2003-$m --amount 600 --source 三轮车运输; done
a income edit 3 --amount 650            # the clerk typed September wrong
a problem list --open --escalated
a problem resolve 1 --date 2003-10-01 --note "两位帮扶干部各出200元扣棚"
a household status H01 --set exited --date 2003-09-30 --reason "三轮车运输收入稳定"
a visit list --household H01
a log --limit 5
echo "Register: $DB" >&2
