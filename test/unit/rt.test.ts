/**
 * Rt estimation (Cori et al. 2013) checked against R package EpiEstim.
 *
 * Where the expected numbers come from (none of them is produced by the code under test):
 *
 * 1. EPIESTIM_SNAPSHOT_*: EpiEstim's own published test snapshot, file tests/testthat/_snaps/estimate_R.md of
 *    github.com/mrc-ide/EpiEstim at commit 2ca76bb6af94adb75ba0e57b459d9203b0659f88 (development tree,
 *    DESCRIPTION version 3.0.0), read through a stored copy of the repository.
 *    "Example 1" is estimate_R(Flu2009$incidence, method = "non_parametric_si", si_distr = Flu2009$si_distr),
 *    "Example 3" is estimate_R(Flu2009$incidence, method = "parametric_si", mean_si = 2.6, std_si = 1.5), both
 *    with t_start = 2:26, t_end = 8:32 -- exactly the default weekly windows that
 *    make_config(list(...)) gives for these 32 days, i.e. the documented examples of ?estimate_R.
 *    "Example 2" is the split local/imported incidence example (parametric SI 2.6 / 1.5, t_start = 2:21,
 *    t_end = 8:27), its local and imported series as printed in the same snapshot ($I_local, $I_imported).
 *    Values as printed there by R (print.data.frame, 7 significant digits): relative rounding error <= 5e-7.
 * 2. R_RUN_*: EpiEstim's R source (functions process_I, check_times, check_si_distr, overall_infectivity and
 *    the certain-SI branch of estimate_R_func / posterior_from_si_distr, copied verbatim from mrc-ide/EpiEstim
 *    R/utilities.R, R/overall_infectivity.R, R/estimate_R.R; discr_si in its closed form from R/DiscrSI.R) run
 *    on R 4.2.2 (Debian r-base-core 4.2.2), results printed with sprintf("%.15g"). These reproduce every digit
 *    of the published snapshot above (max relative difference 2.5e-7, i.e. rounding of the snapshot), and give
 *    enough digits to check agreement far below the 1e-6 required (we check 1e-12; observed ~5e-15).
 * 3. R_RUN_DISCR_SI_10_02 and _47_01: EpiEstim's discr_si on narrow serial intervals (gamma shapes 2025 and 1369),
 *    printed by test/fixtures/discr-si-epiestim.R (EpiEstim commit 402982637562690073884b58100c80d98b6a8538, R 4.2.2).
 * 4. EPIESTIM_FLU1918_NON_PARAMETRIC: EpiEstim's estimate_R on its Flu1918 data set, 17 significant digits; see
 *    test/fixtures/flu1918.ts for its provenance.
 * Columns of every table: t_start, t_end, mean, std, quantiles 0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RT_WINDOW,
  RtInputError,
  defaultRtWindows,
  estimateRt,
  overallInfectivity,
  processIncidence,
  summariseGammaPosterior,
  type EstimateRtOptions,
  type RtEstimate,
} from '../../src/modules/analytics/rt.js';
import {
  discretiseGammaSerialInterval,
  serialIntervalMoments,
  validateSerialIntervalDistribution,
} from '../../src/modules/analytics/serial-interval.js';
import {
  EPIESTIM_SNAPSHOT_NON_PARAMETRIC,
  EPIESTIM_SNAPSHOT_PARAMETRIC,
  FLU2009_INCIDENCE,
  FLU2009_SI_DISTR,
} from '../fixtures/flu2009.js';
import { EPIESTIM_FLU1918_NON_PARAMETRIC, FLU1918_INCIDENCE, FLU1918_SI_DISTR } from '../fixtures/flu1918.js';

type Row = readonly [number, number, number, number, number, number, number, number, number, number, number];

const FIELDS = [
  'mean',
  'std',
  'quantile_0_025',
  'quantile_0_05',
  'quantile_0_25',
  'quantile_0_5',
  'quantile_0_75',
  'quantile_0_95',
  'quantile_0_975',
] as const;

function expectClose(actual: number, expected: number, relTol: number, what: string): void {
  const err = Math.abs(actual - expected);
  if (!(err <= relTol * Math.abs(expected))) {
    throw new Error(
      `${what}: got ${actual}, expected ${expected} (relative error ${err / Math.abs(expected)} > ${relTol})`,
    );
  }
}

function expectTable(estimates: readonly RtEstimate[], table: readonly Row[], relTol: number): void {
  expect(estimates.map((e) => [e.t_start, e.t_end])).toEqual(table.map((r) => [r[0], r[1]]));
  table.forEach((row, i) => {
    const est = estimates[i] as RtEstimate;
    FIELDS.forEach((field, j) => {
      expectClose(est[field], row[j + 2] as number, relTol, `window ${row[0]}-${row[1]} ${field}`);
    });
  });
}

const FLU_NON_PARAMETRIC: EstimateRtOptions = {
  incidence: FLU2009_INCIDENCE,
  serialInterval: { kind: 'non_parametric', distribution: FLU2009_SI_DISTR },
};
const FLU_PARAMETRIC: EstimateRtOptions = {
  incidence: FLU2009_INCIDENCE,
  serialInterval: { kind: 'parametric', mean: 2.6, sd: 1.5 },
};

// ---------------------------------------------------------------------------------------------------------
// Published EpiEstim output (tests/testthat/_snaps/estimate_R.md), 7 significant digits.

/** Example 2: split local/imported incidence (27 days), parametric_si 2.6 / 1.5, t_start = 2:21, t_end = 8:27. */
const EXAMPLE2_LOCAL = [0, 2, 0, 0, 1, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const EXAMPLE2_IMPORTED = [1, 1, 1, 1, 2, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const EPIESTIM_SNAPSHOT_EXAMPLE2: readonly Row[] = [
  [2, 8, 0.641359, 0.2424109, 0.257859602, 0.301009564, 0.46568686, 0.6110903, 0.78415, 1.0850325, 1.1965445],
  [3, 9, 0.3999222, 0.1788506, 0.12985364, 0.157581299, 0.2694356, 0.3736, 0.5018568, 0.732139, 0.8191677],
  [4, 10, 0.3956574, 0.1769434, 0.128468883, 0.155900853, 0.26656234, 0.3696159, 0.496505, 0.7243315, 0.8104321],
  [5, 11, 0.4170468, 0.186509, 0.135413957, 0.16432891, 0.28097279, 0.3895975, 0.5233462, 0.7634891, 0.8542443],
  [6, 12, 0.3515432, 0.1757716, 0.095783678, 0.12007997, 0.22281862, 0.322722, 0.4490461, 0.6814362, 0.7705187],
  [7, 13, 0.1976371, 0.1397505, 0.023934764, 0.035116301, 0.09499215, 0.1658518, 0.2660822, 0.4687817, 0.5505816],
  [8, 14, 0.2561099, 0.181097, 0.031016091, 0.045505792, 0.12309648, 0.2149206, 0.3448051, 0.6074752, 0.7134764],
  [9, 15, 0.1854957, 0.1854957, 0.004696345, 0.009514686, 0.05336379, 0.1285758, 0.2571517, 0.5556955, 0.6842713],
  [10, 16, 0.2764736, 0.2764736, 0.006999704, 0.01418124, 0.07953649, 0.1916369, 0.3832737, 0.8282408, 1.0198776],
  [11, 17, 0.4085199, 0.4085199, 0.010342829, 0.020954333, 0.11752386, 0.2831644, 0.5663289, 1.2238163, 1.5069808],
  [12, 18, 0.6246688, 0.6246688, 0.015815245, 0.032041322, 0.17970602, 0.4329874, 0.8659749, 1.8713406, 2.304328],
  [13, 19, 1.0775772, 1.0775772, 0.027281893, 0.055272486, 0.30999965, 0.7469196, 1.4938392, 3.2281329, 3.9750525],
  [14, 20, 1.7523399, 1.7523399, 0.044365405, 0.089883287, 0.50411678, 1.2146295, 2.4292589, 5.2495412, 6.4641707],
  [15, 21, 2.5831197, 2.5831197, 0.065398929, 0.13249672, 0.74311724, 1.7904822, 3.5809643, 7.7383351, 9.5288173],
  [16, 22, 3.4013907, 3.4013907, 0.086115755, 0.174468532, 0.97851911, 2.3576643, 4.7153287, 10.1896558, 12.5473201],
  [17, 23, 4.0476611, 4.0476611, 0.102477905, 0.20761787, 1.16443952, 2.8056248, 5.6112497, 12.1257088, 14.9313337],
  [18, 24, 4.4742953, 4.4742953, 0.113279349, 0.229501345, 1.28717454, 3.1013452, 6.2026903, 13.4037908, 16.5051359],
  [19, 25, 4.7233814, 4.7233814, 0.119585664, 0.242277793, 1.35883215, 3.2739985, 6.547997, 14.1499861, 17.4239846],
  [20, 26, 4.8583931, 4.8583931, 0.123003865, 0.24920299, 1.39767261, 3.3675815, 6.735163, 14.5544451, 17.9220266],
  [21, 27, 9.8571825, 6.9700806, 1.193750537, 1.75143164, 4.73775012, 8.2718863, 13.270895, 23.3805693, 27.460353],
];

/**
 * Example 3's $si_distr: discr_si(0:31, 2.6, 1.5) padded with one 0 (t0 ... t32), as printed (7 digits).
 * $SI.Moments of the same output: Mean 2.6, Std 1.55488. Example 1's: Mean 2.596, Std 1.534531.
 */
const EPIESTIM_SNAPSHOT_DISCR_SI = [
  0, 2.331721e-1, 3.585794e-1, 1.981108e-1, 1.033427e-1, 5.290518e-2, 2.682146e-2, 1.35162e-2, 6.783438e-3, 3.394351e-3,
  1.694674e-3, 8.445945e-4, 4.203313e-4, 2.089422e-4, 1.037609e-4, 5.14848e-5, 2.552773e-5, 1.264952e-5, 6.264667e-6,
  3.101068e-6, 1.534394e-6, 7.589168e-7, 3.752319e-7, 1.854675e-7, 9.164543e-8, 4.527299e-8, 2.235952e-8, 1.104051e-8,
  5.450378e-9, 2.690174e-9, 1.327568e-9, 6.550365e-10, 0,
];

// ---------------------------------------------------------------------------------------------------------
// EpiEstim's R source run on R 4.2.2, 15 significant digits.

/** Flu2009, non_parametric_si, default windows. */
const R_RUN_NON_PARAMETRIC: readonly Row[] = [
  [
    2, 8, 1.73560890945907, 0.409086943122099, 1.02863183689129, 1.12181125344199, 1.44504093271479, 1.70357597317409,
    1.99130341979599, 2.45870505089724, 2.62449588428374,
  ],
  [
    3, 9, 1.74904942965779, 0.364702016981956, 1.10874730319731, 1.19539905957023, 1.49124372659547, 1.72376723786149,
    1.97932296075492, 2.38895895100411, 2.5329478621388,
  ],
  [
    4, 10, 1.53704272978789, 0.307408545957578, 0.994693012470294, 1.06868280613285, 1.3200763544699, 1.51659811663009,
    1.73174315776614, 2.0751554426542, 2.19551783545977,
  ],
  [
    5, 11, 1.43163922691482, 0.270554382970098, 0.951313869304506, 1.01751911317444, 1.2410779485575, 1.41463244503525,
    1.6036767373243, 1.90378167909064, 2.00856848579416,
  ],
  [
    6, 12, 1.42234865321362, 0.251438094474726, 0.972885425872725, 1.03553438583016, 1.24566648738514, 1.40756027254716,
    1.58292160036886, 1.85961553788606, 1.95581942853804,
  ],
  [
    7, 13, 1.63494102534159, 0.252276877200664, 1.17832168369643, 1.24326095688883, 1.45846167107737, 1.62198377028206,
    1.79730331587639, 2.0708248713987, 2.16517301435381,
  ],
  [
    8, 14, 1.66362212943633, 0.232953693519796, 1.23867594723026, 1.29986755258331, 1.50114088822614, 1.65276150702597,
    1.8142694212726, 2.06442699946983, 2.15027292094001,
  ],
  [
    9, 15, 1.61568004237849, 0.206866631595991, 1.23586721125632, 1.29112390902437, 1.47176106747625, 1.60685981799974,
    1.74998758904538, 1.970325285451, 2.04560702970847,
  ],
  [
    10, 16, 1.43400325909832, 0.176513599231634, 1.10905801670052, 1.15653054330664, 1.31133221570319, 1.4267673571663,
    1.5487890824625, 1.73616020479085, 1.80006161468488,
  ],
  [
    11, 17, 1.40837240331338, 0.161551394234593, 1.10963726769182, 1.15358843666227, 1.29630525112214, 1.40220017096282,
    1.51371313492437, 1.68421182785015, 1.74217796358306,
  ],
  [
    12, 18, 1.2477516164055, 0.142194493484016, 0.98470606301059, 1.02343052895162, 1.14912848043917, 1.24235427100438,
    1.34049276985858, 1.4904847583134, 1.54146477878063,
  ],
  [
    13, 19, 1.08193461605942, 0.125772344392108, 0.84955138083135, 0.883696686616571, 0.994657581098379,
    1.0770649587513, 1.16390480510855, 1.29678453408495, 1.34198696097698,
  ],
  [
    14, 20, 0.936931897636694, 0.114464449333974, 0.726109351492106, 0.756933181349779, 0.857398861481449,
    0.932274690217176, 1.01138978167597, 1.13281798290995, 1.17421594801436,
  ],
  [
    15, 21, 0.819428942795383, 0.107596291460475, 0.622226751250332, 0.650836827193137, 0.744520793556267,
    0.814724422995833, 0.889210664578078, 1.00407001906604, 1.0433606674526,
  ],
  [
    16, 22, 0.690804787577528, 0.101853609201599, 0.505755926789288, 0.532231835121923, 0.619653808260708,
    0.685805455797053, 0.756508673312208, 0.866432817043857, 0.904256566354185,
  ],
  [
    17, 23, 0.589414122362372, 0.0996291706623266, 0.410548532401269, 0.435655159469889, 0.519512385803746,
    0.583810258194468, 0.653211087633701, 0.762291182658432, 0.800114381623804,
  ],
  [
    18, 24, 0.498922327772012, 0.0997844655544025, 0.322876224312072, 0.346893227463696, 0.428495288286361,
    0.492286029516014, 0.562121865990784, 0.67359310438993, 0.712662600657644,
  ],
  [
    19, 25, 0.472613302820755, 0.108424927703614, 0.284544081497605, 0.309485900991687, 0.395683863083519,
    0.464348200700753, 0.540544089453328, 0.66394135394967, 0.707620523046813,
  ],
  [
    20, 26, 0.417348871552859, 0.115751750472374, 0.222220697004841, 0.246864370979193, 0.334576248083011,
    0.406697777095208, 0.488531982224402, 0.624179566917558, 0.672945681985841,
  ],
  [
    21, 27, 0.297694990218593, 0.112518130095458, 0.11968882587054, 0.139717431823368, 0.216154499561475,
    0.28364536338138, 0.363973241388111, 0.503631693987424, 0.555391427341953,
  ],
  [
    22, 28, 0.24002400240024, 0.12001200120012, 0.0653984622638059, 0.0819873025352434, 0.152134426156621,
    0.220345679499004, 0.306596308738277, 0.46526591826779, 0.526088993083848,
  ],
  [
    23, 29, 0.457791613257645, 0.204730633354678, 0.148643690726829, 0.180383589824165, 0.308423401023377,
    0.427660582566928, 0.574476350342857, 0.838080848437793, 0.937702680406858,
  ],
  [
    24, 30, 0.675493109970278, 0.302089702445257, 0.219330774131102, 0.266164491767027, 0.45509327019418,
    0.631033353525531, 0.847666941157078, 1.23662780689511, 1.38362451707697,
  ],
  [
    25, 31, 0.863408737696425, 0.386128125971299, 0.280346466951894, 0.340208870326287, 0.581695801412074,
    0.80658070847798, 1.08347965782157, 1.58064566165387, 1.76853543004726,
  ],
  [
    26, 32, 1.00401606425703, 0.449009634036102, 0.326001283156309, 0.395612363064163, 0.676425780316731,
    0.937933510601603, 1.25992584306118, 1.8380560294453, 2.05654391072363,
  ],
];

/** Flu2009, parametric_si 2.6 / 1.5, default windows. */
const R_RUN_PARAMETRIC: readonly Row[] = [
  [
    2, 8, 1.73579766369495, 0.409131432922156, 1.02874370461409, 1.12193325478964, 1.4451980865503, 1.70376124370326,
    1.9915199818068, 2.4589724446578, 2.62478130844382,
  ],
  [
    3, 9, 1.74916775628259, 0.364726689788792, 1.10882231212726, 1.19547993066147, 1.49134461215875, 1.72388385409642,
    1.97945686583579, 2.38912056876325, 2.53311922103022,
  ],
  [
    4, 10, 1.53705814234884, 0.307411628469768, 0.994702986667098, 1.06869352225582, 1.32008959141959, 1.51661332418448,
    1.73176052266853, 2.07517625109311, 2.195539850822,
  ],
  [
    5, 11, 1.43183894065044, 0.270592125318517, 0.951446577631447, 1.01766105713583, 1.24125107898634, 1.41482978632405,
    1.60390045030025, 1.90404725671927, 2.00884868118697,
  ],
  [
    6, 12, 1.42272468334743, 0.251504567839112, 0.973142630205883, 1.03580815283714, 1.24599580758021, 1.40793239303705,
    1.58334008160399, 1.86010716944064, 1.95633649377359,
  ],
  [
    7, 13, 1.63537331160823, 0.25234358041975, 1.17863323761407, 1.24358968106247, 1.45884729535437, 1.62241263058818,
    1.79777853151316, 2.07137240744964, 2.16574549650729,
  ],
  [
    8, 14, 1.66398448471875, 0.233004433408328, 1.23894574453864, 1.3001506780995, 1.50146785329885, 1.65312149674483,
    1.81466458919981, 2.06487665448175, 2.1507412741422,
  ],
  [
    9, 15, 1.61614674355268, 0.206926386558195, 1.23622420067471, 1.2914968597501, 1.47218619658616, 1.60732397138663,
    1.75049308595144, 1.97089442853634, 2.04619791848449,
  ],
  [
    10, 16, 1.43442386632952, 0.17656537240284, 1.10938331430266, 1.1568697650668, 1.31171684231331, 1.42718584203645,
    1.54924335750237, 1.73666943762002, 1.80058959042479,
  ],
  [
    11, 17, 1.40872167300138, 0.161591458215489, 1.10991245248056, 1.15387452113283, 1.29662672868699, 1.40254790996642,
    1.51408852861506, 1.68462950440946, 1.74261001546959,
  ],
  [
    12, 18, 1.24794715626645, 0.14221677731929, 0.984860380010947, 1.02359091460906, 1.14930856469658, 1.24254896502697,
    1.3407028435354, 1.49071833780034, 1.54170634753882,
  ],
  [
    13, 19, 1.08214768107572, 0.125797112697152, 0.849718682696104, 0.883870712704791, 0.994853458677846,
    1.07727706478765, 1.16413401248633, 1.29703990942261, 1.34225123801321,
  ],
  [
    14, 20, 0.937167130761577, 0.114493187634135, 0.726291653932859, 0.757123222651635, 0.857614126447842,
    0.932508754068756, 1.01164370875372, 1.13310239665946, 1.1745107554464,
  ],
  [
    15, 21, 0.819656387859421, 0.107626156460506, 0.622399459823209, 0.651017476931154, 0.744727446715223,
    0.814950562248286, 0.889457478628676, 1.00434871409114, 1.04365026819945,
  ],
  [
    16, 22, 0.691035229660528, 0.101887586033097, 0.505924639356651, 0.532409379653938, 0.619860515447576,
    0.686034230178193, 0.756761033222881, 0.866721845994915, 0.904558212738901,
  ],
  [
    17, 23, 0.589676545519162, 0.0996735282718267, 0.410731319745177, 0.435849124965255, 0.519743686811139,
    0.584070186358911, 0.653501914930102, 0.762630575372242, 0.800470614251854,
  ],
  [
    18, 24, 0.499220635042681, 0.0998441270085361, 0.323069273049074, 0.347100636044427, 0.42875148700273,
    0.492580368922528, 0.562457960469408, 0.673995847881905, 0.713088703927583,
  ],
  [
    19, 25, 0.472963145004911, 0.108505187005031, 0.284754709345712, 0.309714991503787, 0.395976759847259,
    0.464691924814681, 0.540944215991787, 0.664432822750974, 0.708144324446095,
  ],
  [
    20, 26, 0.417631854504329, 0.115830235821729, 0.222371373508367, 0.247031757099233, 0.334803107146561,
    0.406973538083588, 0.48886323080716, 0.624602791198568, 0.673401972078488,
  ],
  [
    21, 27, 0.297868180875723, 0.11258359001091, 0.119758457497153, 0.139798715535305, 0.216280252231324,
    0.283810380356774, 0.364184990886506, 0.503924692885286, 0.555714538611629,
  ],
  [
    22, 28, 0.240088022799544, 0.120044011399772, 0.0654159056679076, 0.0820091705975773, 0.152175004209703,
    0.220404451197856, 0.306678085635229, 0.465390016314536, 0.52622931416453,
  ],
  [
    23, 29, 0.457347715562765, 0.204532116270516, 0.14849955835358, 0.180208680853799, 0.308124338234115,
    0.427245901429714, 0.573919309278112, 0.8372682032386, 0.936793436885873,
  ],
  [
    24, 30, 0.673438242031116, 0.301170737565906, 0.218663564104558, 0.265354812330475, 0.453708864407581,
    0.629113733343531, 0.845088315861332, 1.23286595233944, 1.37941549463393,
  ],
  [
    25, 31, 0.859189676292193, 0.384241304351077, 0.278976549198125, 0.338546433925654, 0.578853335037122,
    0.802639338199962, 1.0781852161429, 1.57292180988623, 1.75989345174758,
  ],
  [
    26, 32, 0.997535194223672, 0.446111300846517, 0.323896962297253, 0.39305870640479, 0.672059488057565,
    0.931879199920194, 1.2517930890832, 1.8261914760134, 2.04326902969556,
  ],
];

/**
 * Flu2009 non_parametric_si, t_start = c(2, 2, 3, 10), t_end = c(2, 3, 3, 20): window 2-2 ends before the mean SI
 * (2.596) and is dropped.
 */
const R_RUN_EXPLICIT_WINDOWS: readonly Row[] = [
  [
    2, 3, 1.95121951219512, 1.37972054865668, 0.236301735164844, 0.346694156779183, 0.937832939624173, 1.63741169757723,
    2.62696051598995, 4.62816050574691, 5.43574964969649,
  ],
  [
    3, 3, 1.26262626262626, 1.26262626262626, 0.0319669292730933, 0.0647642605903416, 0.36323493996437,
    0.875185834040335, 1.75037166808067, 3.78249024438635, 4.65767607842669,
  ],
  [
    10, 20, 1.09085950638607, 0.111335382154592, 0.883599702456644, 0.914412935219811, 1.01384446120235,
    1.08707414675695, 1.16374904583658, 1.28021896598492, 1.31962835352433,
  ],
];

/** Flu2009 non_parametric_si, mean_prior = 2, std_prior = 1, t_start = c(2, 15), t_end = c(8, 21). */
const R_RUN_OTHER_PRIOR: readonly Row[] = [
  [
    2, 8, 1.72541286665023, 0.37651595554645, 1.06805775894143, 1.1561929790766, 1.45879180042619, 1.69810399361684,
    1.96229769984183, 2.38780863038649, 2.53786688872522,
  ],
  [
    15, 21, 0.840440335625026, 0.107607358343184, 0.642870263030029, 0.671613551552266, 0.765576929259254,
    0.835852253738308, 0.910304093694056, 1.02491879627179, 1.0640786625514,
  ],
];

/**
 * local = c(3, 2, 4, 6, 5, 8), imported = c(1, 0, 1, 0, 0, 0) (EpiEstim moves the 3 local cases of day 1 to
 * imported, with a warning), si_distr = c(0, 0.5, 0.5), t_start = t_end = 2:6.
 */
const R_RUN_LOCAL_DAY1: readonly Row[] = [
  [
    2, 2, 1.36363636363636, 0.787295821622217, 0.281214601316182, 0.37167793052907, 0.785136099027509, 1.21548196078344,
    1.78200093649662, 2.86172437357818, 3.28394893987453,
  ],
  [
    3, 3, 1.5625, 0.698771242968684, 0.507339496912006, 0.615671740018603, 1.05268762061791, 1.45965902587375,
    1.96075959326397, 2.86047469582424, 3.20049646106366,
  ],
  [
    4, 4, 1.89189189189189, 0.715067921909349, 0.760638662572937, 0.887923159971533, 1.37369105478068, 1.80260461474318,
    2.3130991345946, 3.2006474736271, 3.5295875736537,
  ],
  [
    5, 5, 1.05263157894737, 0.42973504259354, 0.386297237454535, 0.458423639332688, 0.740212172468052,
    0.994765120826679, 1.30222839219651, 1.8443920892529, 2.04707580338994,
  ],
  [
    6, 6, 1.57894736842105, 0.526315789473684, 0.721995280241813, 0.823724129884998, 1.19958687284196, 1.52086862883691,
    1.8951657715551, 2.53239468687655, 2.76547179301637,
  ],
];

/** discr_si(0:10, 2.6, 1.5) from the same R run, printed with 17 significant digits. */
const R_RUN_DISCR_SI = [
  0, 0.2331721254075412, 0.35857940031559687, 0.19811082854031356, 0.10334265542793926, 0.052905175247813935,
  0.026821461951616152, 0.013516198089437562, 0.0067834378153538225, 0.0033943513592991081, 0.0016946741097903836,
];

/** EpiEstim discr_si(0:14, 10, 0.2) (gamma shape 2025), by test/fixtures/discr-si-epiestim.R (17 digits). */
const R_RUN_DISCR_SI_10_02 = [
  0, 0, 0, 0, 1.4596356312765151e-229, 9.5614127061244147e-131, 8.5737929977897179e-68, 1.5738297591644852e-29,
  3.4839540612350543e-9, 0.079785165704405969, 0.84042968587889533, 0.079785117193174493, 2.7739570862552216e-8, 0, 0,
];
/** EpiEstim discr_si(0:14, 4.7, 0.1) (gamma shape 1369), likewise. */
const R_RUN_DISCR_SI_47_01 = [
  0, 0, 1.9179832263768066e-97, 3.8974407706564643e-16, 0.30005140208010772, 0.69989719583978216, 5.1402080109809282e-5,
  0, 0, 0, 0, 0, 0, 0, 0,
];
const NARROW_SI_EPIESTIM = [
  [10, 0.2, R_RUN_DISCR_SI_10_02],
  [4.7, 0.1, R_RUN_DISCR_SI_47_01],
] as const;

describe('discretiseGammaSerialInterval (EpiEstim discr_si)', () => {
  it('matches EpiEstim discr_si(0:31, 2.6, 1.5) as printed in its snapshot', () => {
    const w = discretiseGammaSerialInterval(2.6, 1.5, 31);
    expect(w).toHaveLength(32);
    EPIESTIM_SNAPSHOT_DISCR_SI.slice(0, 32).forEach((e, k) => {
      // 7 printed digits; the far tail (~1e-9) also carries ~1e-15 absolute cancellation noise in R itself.
      expect(Math.abs((w[k] as number) - e)).toBeLessThanOrEqual(1e-6 * e + 1e-14);
    });
  });

  it('matches the R run of discr_si to 1e-13 relative', () => {
    const w = discretiseGammaSerialInterval(2.6, 1.5, 10);
    R_RUN_DISCR_SI.forEach((e, k) => {
      if (e === 0) expect(w[k]).toBe(0);
      else expectClose(w[k] as number, e, 1e-13, `w[${k}]`);
    });
  });

  it('matches EpiEstim discr_si on narrow serial intervals, where the gamma shape is in the thousands', () => {
    for (const [mean, sd, expected] of NARROW_SI_EPIESTIM) {
      const w = discretiseGammaSerialInterval(mean, sd, 14);
      // The tail entries below 1e-15 are cancellation noise in R as here; the rest agree to ~1e-15.
      expected.forEach((e, k) => {
        expect(Math.abs(w[k]! - e), `discr_si(${k}, ${mean}, ${sd})`).toBeLessThanOrEqual(1e-12 * e + 1e-15);
      });
    }
  });

  it('has w[0] = 0, is non-negative, sums to 1 and keeps the mean of the shifted gamma', () => {
    const w = discretiseGammaSerialInterval(2.6, 1.5, 200);
    expect(w[0]).toBe(0);
    expect(w.every((x) => x >= 0)).toBe(true);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // The triangular (uniform-within-day) discretisation preserves the mean: E[1 + G] = 2.6.
    expect(serialIntervalMoments(w).mean).toBeCloseTo(2.6, 10);
  });

  it('gives the SI.Moments EpiEstim reports', () => {
    const para = estimateRt(FLU_PARAMETRIC);
    expectClose(para.siMean, 2.59999997897559, 1e-12, 'parametric SI mean');
    expectClose(para.siSd, 1.55488015381053, 1e-12, 'parametric SI sd');
    expectClose(para.siSd, 1.55488, 5e-6, 'parametric SI sd (snapshot, 6 digits)');
    const nonPara = estimateRt(FLU_NON_PARAMETRIC);
    expectClose(nonPara.siMean, 2.596, 1e-12, 'non-parametric SI mean');
    expectClose(nonPara.siSd, 1.53453054710553, 1e-12, 'non-parametric SI sd');
  });

  it('rejects invalid parameters', () => {
    expect(() => discretiseGammaSerialInterval(1, 1, 10)).toThrow(RtInputError);
    expect(() => discretiseGammaSerialInterval(0.5, 1, 10)).toThrow(/mean must be > 1/);
    expect(() => discretiseGammaSerialInterval(2.6, 0, 10)).toThrow(/sd must be > 0/);
    expect(() => discretiseGammaSerialInterval(2.6, -1, 10)).toThrow(/sd must be > 0/);
    expect(() => discretiseGammaSerialInterval(Number.NaN, 1, 10)).toThrow(/finite/);
    expect(() => discretiseGammaSerialInterval(2.6, 1.5, -1)).toThrow(/maxDays/);
    expect(() => discretiseGammaSerialInterval(2.6, 1.5, 2.5)).toThrow(/maxDays/);
  });
});

describe('estimateRt on EpiEstim Flu2009 examples', () => {
  it('non_parametric_si: every window agrees with the published EpiEstim output to 1e-6', () => {
    const res = estimateRt(FLU_NON_PARAMETRIC);
    expect(res.estimates).toHaveLength(25);
    expectTable(res.estimates, EPIESTIM_SNAPSHOT_NON_PARAMETRIC, 1e-6);
  });

  it('parametric_si (mean 2.6, sd 1.5): every window agrees with the published EpiEstim output to 1e-6', () => {
    const res = estimateRt(FLU_PARAMETRIC);
    expect(res.estimates).toHaveLength(25);
    expectTable(res.estimates, EPIESTIM_SNAPSHOT_PARAMETRIC, 1e-6);
  });

  it('non_parametric_si agrees with the 15-digit R run of EpiEstim to 1e-12', () => {
    expectTable(estimateRt(FLU_NON_PARAMETRIC).estimates, R_RUN_NON_PARAMETRIC, 1e-12);
  });

  it('parametric_si agrees with the 15-digit R run of EpiEstim to 1e-12', () => {
    expectTable(estimateRt(FLU_PARAMETRIC).estimates, R_RUN_PARAMETRIC, 1e-12);
  });

  it('uses the EpiEstim defaults: weekly windows 2-8 ... 26-32, day 1 imported, padded SI, no warnings', () => {
    const res = estimateRt(FLU_NON_PARAMETRIC);
    expect(res.estimates[0]).toMatchObject({ t_start: 2, t_end: 8 });
    expect(res.estimates.at(-1)).toMatchObject({ t_start: 26, t_end: 32 });
    expect(res.imported).toEqual([1, ...new Array<number>(31).fill(0)]);
    expect(res.local).toEqual([0, ...FLU2009_INCIDENCE.slice(1)]);
    expect(res.siDistribution).toHaveLength(33);
    expect(res.siDistribution.slice(0, 12)).toEqual([...FLU2009_SI_DISTR]);
    expect(res.droppedWindows).toEqual([]);
    expect(res.warnings).toEqual([]);
    // Same as passing the windows and the default prior explicitly.
    const explicit = estimateRt({
      ...FLU_NON_PARAMETRIC,
      tStart: Array.from({ length: 25 }, (_, i) => i + 2),
      tEnd: Array.from({ length: 25 }, (_, i) => i + 8),
      meanPrior: 5,
      stdPrior: 5,
      window: DEFAULT_RT_WINDOW,
    });
    expect(explicit.estimates).toEqual(res.estimates);
  });

  it('split local/imported incidence (EpiEstim Example 2) agrees with the published output to 1e-6', () => {
    const res = estimateRt({
      incidence: { local: EXAMPLE2_LOCAL, imported: EXAMPLE2_IMPORTED },
      serialInterval: { kind: 'parametric', mean: 2.6, sd: 1.5 },
      tStart: Array.from({ length: 20 }, (_, i) => i + 2),
      tEnd: Array.from({ length: 20 }, (_, i) => i + 8),
    });
    expectTable(res.estimates, EPIESTIM_SNAPSHOT_EXAMPLE2, 1e-6);
    expect(res.siDistribution).toHaveLength(28);
    expect(res.siDistribution[27]).toBe(0);
  });

  it('drops windows ending on or before the mean serial interval, as EpiEstim does', () => {
    const res = estimateRt({ ...FLU_NON_PARAMETRIC, tStart: [2, 2, 3, 10], tEnd: [2, 3, 3, 20] });
    expect(res.droppedWindows).toEqual([{ t_start: 2, t_end: 2 }]);
    expectTable(res.estimates, R_RUN_EXPLICIT_WINDOWS, 1e-12);
    expect(res.warnings.some((w) => /dropped/.test(w))).toBe(true);
  });

  it('honours a different prior (mean 2, sd 1)', () => {
    const res = estimateRt({ ...FLU_NON_PARAMETRIC, meanPrior: 2, stdPrior: 1, tStart: [2, 15], tEnd: [8, 21] });
    expectTable(res.estimates, R_RUN_OTHER_PRIOR, 1e-12);
    expect(res.estimates[0]?.posterior_shape).toBe(4 + 17);
  });

  it('moves local cases of day 1 to imported with a warning, as EpiEstim does', () => {
    const res = estimateRt({
      incidence: { local: [3, 2, 4, 6, 5, 8], imported: [1, 0, 1, 0, 0, 0] },
      serialInterval: { kind: 'non_parametric', distribution: [0, 0.5, 0.5] },
      tStart: [2, 3, 4, 5, 6],
      tEnd: [2, 3, 4, 5, 6],
    });
    expect(res.local).toEqual([0, 2, 4, 6, 5, 8]);
    expect(res.imported).toEqual([4, 0, 1, 0, 0, 0]);
    expect(res.warnings.some((w) => /day 1/.test(w))).toBe(true);
    expectTable(res.estimates, R_RUN_LOCAL_DAY1, 1e-12);
  });

  it('is pure: does not modify its inputs and gives identical results on repeated calls', () => {
    const incidence = [...FLU2009_INCIDENCE];
    const si = [...FLU2009_SI_DISTR];
    const a = estimateRt({ incidence, serialInterval: { kind: 'non_parametric', distribution: si } });
    const b = estimateRt({ incidence, serialInterval: { kind: 'non_parametric', distribution: si } });
    expect(incidence).toEqual(FLU2009_INCIDENCE);
    expect(si).toEqual(FLU2009_SI_DISTR);
    expect(a).toEqual(b);
    // The fixtures are frozen: any attempt to write to them would have thrown.
    expect(() => estimateRt(FLU_PARAMETRIC)).not.toThrow();
  });
});

describe('estimateRt on EpiEstim Flu1918 (6202 cases, posterior shapes up to 1858)', () => {
  it('non_parametric_si agrees with the 17-digit R run of EpiEstim to 1e-12', () => {
    const res = estimateRt({
      incidence: FLU1918_INCIDENCE,
      serialInterval: { kind: 'non_parametric', distribution: FLU1918_SI_DISTR },
    });
    expect(Math.max(...res.estimates.map((e) => e.posterior_shape))).toBe(1858);
    expectTable(res.estimates, EPIESTIM_FLU1918_NON_PARAMETRIC, 1e-12);
  });
});

describe('worked example by hand', () => {
  // incidence (unsplit) I = [2, 3, 4], si_distr w = [0, 0.6, 0.4], prior mean 5 sd 5 => a = 1, b = 5.
  // EpiEstim conventions: day 1 imported => local = [0, 3, 4], imported = [2, 0, 0], total = [2, 3, 4].
  // Lambda_1 = 0 (no earlier cases)
  // Lambda_2 = w1 I_1 = 0.6 * 2 = 1.2
  // Lambda_3 = w1 I_2 + w2 I_1 = 0.6 * 3 + 0.4 * 2 = 2.6
  // Mean SI = 1 * 0.6 + 2 * 0.4 = 1.4 < 3, so no window is dropped.
  // window = 2 => one window, days 2-3:
  //   shape = a + 3 + 4 = 8, scale = 1 / (1/5 + 1.2 + 2.6) = 1 / 4 = 0.25
  //   mean = 8 * 0.25 = 2, std = sqrt(8) * 0.25 = 0.7071067811865476
  //   quantiles: R qgamma(p, shape = 8, scale = 0.25), p = 0.025 ... 0.975 (R 4.2.2, %.15g).
  // window = 1 => windows 2-2 and 3-3:
  //   day 2: shape = 1 + 3 = 4, scale = 1 / (0.2 + 1.2) = 1/1.4, mean = 4/1.4 = 2.857142857142857
  //   day 3: shape = 1 + 4 = 5, scale = 1 / (0.2 + 2.6) = 1/2.8, mean = 5/2.8 = 1.7857142857142858
  const incidence = [2, 3, 4];
  const serialInterval = { kind: 'non_parametric', distribution: [0, 0.6, 0.4] } as const;

  it('computes Lambda, the posterior shape / scale, mean, std and quantiles', () => {
    const processed = processIncidence(incidence);
    expect(processed.local).toEqual([0, 3, 4]);
    expect(processed.imported).toEqual([2, 0, 0]);
    const lambda = overallInfectivity([2, 3, 4], [0, 0.6, 0.4]);
    expect(lambda[0]).toBe(0);
    expect(lambda[1]).toBeCloseTo(1.2, 14);
    expect(lambda[2]).toBeCloseTo(2.6, 14);

    const res = estimateRt({ incidence, serialInterval, window: 2 });
    expect(res.lambda).toEqual(lambda);
    expect(res.estimates).toHaveLength(1);
    const e = res.estimates[0] as RtEstimate;
    expect(e.t_start).toBe(2);
    expect(e.t_end).toBe(3);
    expect(e.posterior_shape).toBe(8);
    expect(e.posterior_scale).toBeCloseTo(0.25, 15);
    expect(e.mean).toBeCloseTo(2, 14);
    expect(e.std).toBeCloseTo(Math.SQRT2 / 2, 14);
    const q = [
      0.863458044187125, 0.995205696547319, 1.489027462177, 1.9173123606252, 2.42110752757306, 3.28702845060803,
      3.60566884042559,
    ];
    const got = [
      e.quantile_0_025,
      e.quantile_0_05,
      e.quantile_0_25,
      e.quantile_0_5,
      e.quantile_0_75,
      e.quantile_0_95,
      e.quantile_0_975,
    ];
    got.forEach((g, i) => {
      expectClose(g, q[i] as number, 1e-12, `quantile #${i}`);
    });
  });

  it('with one-day windows gives one posterior per day', () => {
    const res = estimateRt({ incidence, serialInterval, window: 1 });
    expect(res.estimates.map((e) => [e.t_start, e.t_end, e.posterior_shape])).toEqual([
      [2, 2, 4],
      [3, 3, 5],
    ]);
    expect(res.estimates[0]?.posterior_scale).toBeCloseTo(1 / 1.4, 15);
    expect(res.estimates[0]?.mean).toBeCloseTo(4 / 1.4, 14);
    expect(res.estimates[1]?.posterior_scale).toBeCloseTo(1 / 2.8, 15);
    expect(res.estimates[1]?.mean).toBeCloseTo(5 / 2.8, 14);
  });
});

describe('edge cases and invalid input', () => {
  it("zero incidence everywhere: every window returns the prior Gamma(1, 5), with EpiEstim's early-CV warning", () => {
    const res = estimateRt({
      incidence: new Array<number>(10).fill(0),
      serialInterval: { kind: 'non_parametric', distribution: FLU2009_SI_DISTR },
    });
    expect(res.estimates.map((e) => [e.t_start, e.t_end])).toEqual([
      [2, 8],
      [3, 9],
      [4, 10],
    ]);
    for (const e of res.estimates) {
      expect(e.posterior_shape).toBe(1);
      expect(e.posterior_scale).toBe(5);
      expect(e.mean).toBe(5);
      expect(e.std).toBe(5);
      // Gamma(1, scale 5) is exponential: quantile(p) = -5 ln(1 - p).
      expectClose(e.quantile_0_5, 5 * Math.LN2, 1e-12, 'median');
      expectClose(e.quantile_0_025, -5 * Math.log(0.975), 1e-12, 'q0.025');
      expectClose(e.quantile_0_975, -5 * Math.log(0.025), 1e-12, 'q0.975');
    }
    expect(res.warnings.some((w) => /too early/.test(w))).toBe(true);
  });

  it('windows with no local cases after an outbreak have shape 1 (mean equals std)', () => {
    const res = estimateRt({
      incidence: [5, 3, 0, 0, 0, 0, 0, 0, 0, 0],
      serialInterval: { kind: 'non_parametric', distribution: [0, 0.5, 0.3, 0.2] },
      tStart: [5],
      tEnd: [10],
    });
    const e = res.estimates[0] as RtEstimate;
    // Lambda_5 = 0.2 * 3 (from day 2), Lambda_6.. = 0 => scale = 1 / (0.2 + 0.6)
    expect(e.posterior_shape).toBe(1);
    expect(e.posterior_scale).toBeCloseTo(1 / 0.8, 14);
    expect(e.mean).toBeCloseTo(e.std, 14);
  });

  it('a window exactly one day shorter than the series gives a single window', () => {
    expect(defaultRtWindows(8, 7)).toEqual({ tStart: [2], tEnd: [8] });
    expect(estimateRt({ ...FLU_NON_PARAMETRIC, window: 31 }).estimates.map((e) => [e.t_start, e.t_end])).toEqual([
      [2, 32],
    ]);
  });

  it('rejects negative, non-integer and non-finite counts', () => {
    const si = { kind: 'non_parametric', distribution: FLU2009_SI_DISTR } as const;
    const bad = [...FLU2009_INCIDENCE];
    bad[4] = -1;
    expect(() => estimateRt({ incidence: bad, serialInterval: si })).toThrow(RtInputError);
    expect(() => estimateRt({ incidence: bad, serialInterval: si })).toThrow(/incidence\[4\] \(day 5\) must be >= 0/);
    bad[4] = 2.5;
    expect(() => estimateRt({ incidence: bad, serialInterval: si })).toThrow(/must be an integer/);
    bad[4] = Number.NaN;
    expect(() => estimateRt({ incidence: bad, serialInterval: si })).toThrow(/finite/);
    expect(() => estimateRt({ incidence: [], serialInterval: si })).toThrow(/at least one day/);
    expect(() =>
      estimateRt({
        incidence: { local: [0, 1, 2, 3, 4, 5, 6, 7, 8], imported: [1, 0, -2, 0, 0, 0, 0, 0, 0] },
        serialInterval: si,
      }),
    ).toThrow(/incidence.imported\[2\]/);
    expect(() => estimateRt({ incidence: { local: [0, 1, 2], imported: [1, 0] }, serialInterval: si })).toThrow(
      /same length/,
    );
  });

  it('rejects a serial interval distribution that is not a distribution', () => {
    const run = (distribution: number[]) =>
      estimateRt({ incidence: FLU2009_INCIDENCE, serialInterval: { kind: 'non_parametric', distribution } });
    expect(() => run([0, 0.5, 0.4])).toThrow(/must sum to 1/);
    expect(() => run([0, 0.5, 0.6])).toThrow(/must sum to 1/);
    expect(() => run([0.1, 0.5, 0.4])).toThrow(/\[0\].*must be 0/);
    expect(() => run([0, 1.2, -0.2])).toThrow(/must be >= 0/);
    expect(() => run([])).toThrow(/non-empty/);
    expect(() => run([0, Number.NaN, 1])).toThrow(/finite/);
    // Within EpiEstim's tolerance of 0.01 on the sum: accepted.
    expect(() => validateSerialIntervalDistribution([0, 0.5, 0.495])).not.toThrow();
    expect(() =>
      estimateRt({ incidence: FLU2009_INCIDENCE, serialInterval: { kind: 'parametric', mean: 0.9, sd: 1 } }),
    ).toThrow(/mean must be > 1/);
  });

  it('rejects a window longer than the series and malformed windows', () => {
    const si = { kind: 'non_parametric', distribution: FLU2009_SI_DISTR } as const;
    expect(() => estimateRt({ incidence: [1, 2, 3, 4, 5, 6, 7], serialInterval: si })).toThrow(/too long/);
    expect(() => estimateRt({ incidence: [1, 2, 3, 4, 5], serialInterval: si, window: 10 })).toThrow(RtInputError);
    expect(() => estimateRt({ incidence: FLU2009_INCIDENCE, serialInterval: si, window: 0 })).toThrow(
      /positive integer/,
    );
    expect(() => estimateRt({ incidence: FLU2009_INCIDENCE, serialInterval: si, window: 2.5 })).toThrow(
      /positive integer/,
    );
    expect(() => estimateRt({ incidence: FLU2009_INCIDENCE, serialInterval: si, tStart: [1], tEnd: [7] })).toThrow(
      /tStart\[0\]/,
    );
    expect(() => estimateRt({ incidence: FLU2009_INCIDENCE, serialInterval: si, tStart: [2], tEnd: [33] })).toThrow(
      /tEnd\[0\]/,
    );
    expect(() => estimateRt({ incidence: FLU2009_INCIDENCE, serialInterval: si, tStart: [9], tEnd: [8] })).toThrow(
      /<=/,
    );
    expect(() => estimateRt({ incidence: FLU2009_INCIDENCE, serialInterval: si, tStart: [2, 3], tEnd: [8] })).toThrow(
      /same length/,
    );
    expect(() => estimateRt({ incidence: FLU2009_INCIDENCE, serialInterval: si, tStart: [2] })).toThrow(/together/);
  });

  it('rejects an invalid prior', () => {
    const base = {
      incidence: FLU2009_INCIDENCE,
      serialInterval: { kind: 'non_parametric', distribution: FLU2009_SI_DISTR },
    } as const;
    expect(() => estimateRt({ ...base, meanPrior: 0 })).toThrow(/meanPrior/);
    expect(() => estimateRt({ ...base, stdPrior: -1 })).toThrow(/stdPrior/);
    expect(() => summariseGammaPosterior(0, 1)).toThrow(RtInputError);
  });
});
