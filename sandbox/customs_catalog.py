"""The customs provider's vocabularies: what each industry exports, trade modes, ports, markets.

Commodity codes are plausible 10-digit lines of China's tariff (chapter and heading right for the goods,
the last digits not checked against the published schedule); customs district codes are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Goods:
    hs_code: str  # 10 digits: HS chapter, heading, subheading, then China's national digits
    name: str
    unit: str  # the first legal unit of quantity
    usd_per_unit: float  # typical FOB unit value
    whole_units: bool  # counted (件, 台 …) rather than measured (千克, 米)


def _goods(hs_code: str, name: str, unit: str, usd_per_unit: float) -> Goods:
    return Goods(hs_code, name, unit, usd_per_unit, unit not in ("千克", "米"))


GOODS_BY_INDUSTRY: dict[str, tuple[Goods, ...]] = {
    "textiles": (
        _goods("5407520000", "涤纶长丝染色机织物", "米", 1.2),
        _goods("5208520000", "全棉印花平纹布", "米", 1.5),
        _goods("6006320000", "合成纤维染色针织物", "千克", 4.5),
        _goods("6302310000", "棉制床上用织物制品", "千克", 6.0),
    ),
    "apparel": (
        _goods("6109100021", "棉制针织T恤衫", "件", 3.2),
        _goods("6110200090", "棉制针织套头衫", "件", 7.5),
        _goods("6204620000", "棉制女式长裤", "条", 6.0),
        _goods("6203430000", "合成纤维制男式长裤", "条", 6.5),
    ),
    "food_processing": (
        _goods("2005999990", "其他蔬菜罐头", "千克", 1.6),
        _goods("1605211000", "冻虾仁", "千克", 9.0),
        _goods("2008701000", "黄桃罐头", "千克", 1.3),
        _goods("0902109000", "绿茶", "千克", 5.5),
    ),
    "furniture": (
        _goods("9403600000", "其他木家具", "件", 45.0),
        _goods("9401610000", "装软垫的木框架坐具", "件", 60.0),
        _goods("9403200000", "其他金属家具", "件", 35.0),
    ),
    "chemicals": (
        _goods("3204160000", "活性染料", "千克", 4.8),
        _goods("2915390090", "其他乙酸酯", "千克", 1.4),
        _goods("3808931990", "其他除草剂", "千克", 3.5),
    ),
    "pharmaceuticals": (
        _goods("2941101100", "氨苄青霉素", "千克", 28.0),
        _goods("2936270000", "维生素C及其衍生物", "千克", 4.2),
        _goods("3004909099", "其他已配定剂量的药品", "千克", 40.0),
    ),
    "plastics": (
        _goods("3923210000", "乙烯聚合物制的袋及包", "千克", 2.2),
        _goods("3924100000", "塑料制餐具及厨房用具", "千克", 3.0),
        _goods("3926909090", "其他塑料制品", "千克", 3.5),
    ),
    "metal_products": (
        _goods("7318159001", "其他螺钉及螺栓", "千克", 1.9),
        _goods("8205599000", "其他手工工具", "千克", 4.0),
        _goods("7323930000", "不锈钢制餐桌及厨房用品", "千克", 4.5),
        _goods("8302420000", "其他家具用贱金属附件", "千克", 3.8),
    ),
    "general_machinery": (
        _goods("8413709990", "其他离心泵", "台", 85.0),
        _goods("8481804090", "其他阀门", "千克", 9.0),
        _goods("8467210000", "手提式电钻", "台", 18.0),
        _goods("8414519900", "其他风扇", "台", 12.0),
    ),
    "auto_parts": (
        _goods("8708299000", "车身的其他零件及附件", "千克", 4.5),
        _goods("8708302990", "其他制动器及其零件", "千克", 5.0),
        _goods("8708999990", "其他机动车辆零件", "千克", 5.5),
    ),
    "electrical_equipment": (
        _goods("8501310000", "输出功率不超过750瓦的直流电动机", "台", 14.0),
        _goods("8536500000", "其他开关", "个", 0.9),
        _goods("8516709000", "其他电热器具", "台", 16.0),
        _goods("8544492100", "额定电压不超过80伏的其他电导体", "千克", 7.0),
    ),
    "electronics": (
        _goods("8518220000", "多喇叭音箱", "个", 11.0),
        _goods("8528529900", "其他彩色监视器", "台", 75.0),
        _goods("8517629900", "其他数据接收转换及发送设备", "台", 22.0),
        _goods("8542319000", "其他集成电路处理器及控制器", "个", 2.5),
    ),
    "crop_farming": (
        _goods("0709999099", "其他鲜或冷藏蔬菜", "千克", 1.1),
        _goods("0810909090", "其他鲜果", "千克", 1.8),
        _goods("0703209000", "其他鲜或冷藏的大蒜", "千克", 1.0),
    ),
    "animal_husbandry": (
        _goods("0207142200", "冻的鸡翼", "千克", 3.2),
        _goods("0407219000", "其他鲜鸡蛋", "千克", 1.5),
        _goods("0203299000", "其他冻猪肉", "千克", 2.6),
    ),
}
"""What a firm of each industry exports; a trading firm (``wholesale``) exports manufacturers' goods."""
MANUFACTURED = tuple(
    sorted(industry for industry in GOODS_BY_INDUSTRY if industry not in ("crop_farming", "animal_husbandry"))
)
"""The industries whose goods trading firms export."""

EXPORT_PROPENSITY: dict[str, float] = {
    "textiles": 0.45,
    "apparel": 0.5,
    "food_processing": 0.2,
    "furniture": 0.45,
    "chemicals": 0.25,
    "pharmaceuticals": 0.25,
    "plastics": 0.4,
    "metal_products": 0.45,
    "general_machinery": 0.35,
    "auto_parts": 0.35,
    "electrical_equipment": 0.45,
    "electronics": 0.45,
    "wholesale": 0.35,
    "crop_farming": 0.15,
    "animal_husbandry": 0.05,
}
"""The share of a sector's shipping firms that also export."""


@dataclass(frozen=True, slots=True)
class TradeMode:
    code: str  # 监管方式代码
    name: str


GENERAL_TRADE = TradeMode("0110", "一般贸易")
ECOMMERCE_RETAIL = TradeMode("9610", "跨境贸易电子商务")
ECOMMERCE_B2B = TradeMode("9710", "跨境电商B2B直接出口")
ECOMMERCE_WAREHOUSE = TradeMode("9810", "跨境电商出口海外仓")
TRADE_MODES = (GENERAL_TRADE, ECOMMERCE_RETAIL, ECOMMERCE_B2B, ECOMMERCE_WAREHOUSE)


@dataclass(frozen=True, slots=True)
class Port:
    name: str
    customs_code: str  # four digits, the first of a declaration number


NINGBO_ZHOUSHAN = Port("宁波舟山港", "3104")
SHANGHAI = Port("上海港", "2248")
JIAXING = Port("嘉兴港", "2947")
WENZHOU = Port("温州港", "2922")
TAIZHOU = Port("台州港", "2934")

PORTS_BY_CITY: dict[str, tuple[tuple[Port, float], ...]] = {
    "杭州市": ((NINGBO_ZHOUSHAN, 0.7), (SHANGHAI, 0.3)),
    "宁波市": ((NINGBO_ZHOUSHAN, 1.0),),
    "温州市": ((WENZHOU, 0.7), (NINGBO_ZHOUSHAN, 0.3)),
    "嘉兴市": ((JIAXING, 0.5), (SHANGHAI, 0.5)),
    "湖州市": ((SHANGHAI, 0.6), (NINGBO_ZHOUSHAN, 0.4)),
    "绍兴市": ((NINGBO_ZHOUSHAN, 0.8), (SHANGHAI, 0.2)),
    "金华市": ((NINGBO_ZHOUSHAN, 1.0),),
    "衢州市": ((NINGBO_ZHOUSHAN, 1.0),),
    "舟山市": ((NINGBO_ZHOUSHAN, 1.0),),
    "台州市": ((TAIZHOU, 0.6), (NINGBO_ZHOUSHAN, 0.4)),
    "丽水市": ((WENZHOU, 0.6), (NINGBO_ZHOUSHAN, 0.4)),
}
"""The seaports a firm of each city ships its exports through, with the share of firms that use each."""

MARKETS: tuple[tuple[str, float], ...] = (
    ("US", 20), ("DE", 6), ("JP", 6), ("GB", 5), ("RU", 5), ("NL", 4), ("KR", 4), ("AU", 4), ("VN", 4),
    ("CA", 3), ("FR", 3), ("IT", 3), ("ES", 3), ("AE", 3), ("IN", 3), ("TH", 3), ("MY", 3), ("ID", 3),
    ("MX", 3), ("BR", 3), ("PL", 2), ("SA", 2), ("TR", 2), ("NG", 1), ("ZA", 1), ("CL", 1),
)  # fmt: skip
"""Destination countries (ISO 3166-1 alpha-2) and their weight among Zhejiang's exports."""
